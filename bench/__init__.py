"""Benchmarks of the planning engine against independent reference implementations."""
