"""The monthly S&OP cycle as a LangGraph graph: state, week nodes, gates and wiring."""
