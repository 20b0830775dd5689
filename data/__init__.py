"""The data contract (README.md), the demo approval policy and the sample-company generator."""
