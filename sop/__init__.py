"""The application shell of sop: CLI, store, configuration, reports and logging."""
