"""The planning engine: pure functions with pydantic input and output models."""
