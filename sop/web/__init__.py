"""The web workspace (`sop serve`): the cycle, its two gates, the plans, the decision log, the
action items and the chat in a browser, served by a FastAPI app on its own (uvicorn), from the
same package and the same store as the CLI.

The app never holds the store between requests: each request takes the store's lock
(`sop.store.busy`) and a DuckDB connection for its own length, so the CLI and the server share
one `SOP_DB`. A request that finds a CLI command holding the store gets one line saying who.
"""
