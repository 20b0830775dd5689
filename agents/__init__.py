"""The four named agents and the runtime that lets them use registry tools."""
