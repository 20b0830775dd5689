"""The `sop` command line: one module per noun, wired together in `sop.cli.app`."""
