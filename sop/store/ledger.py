"""The decision log's hash chain: each entry's hash covers its fields and the previous hash,
so an edited, removed or reordered entry breaks the chain at that entry."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at",
                 "rationale", "figures", "prev_hash")


def entry_hash(entry: dict[str, Any]) -> str:
    """`ref` tells apart several entries of one gate attempt (each executive decision, each
    refusal). It is hashed only when set, so entries written before it existed still verify."""
    fields = {k: entry[k] for k in HASHED_FIELDS}
    if entry.get("ref"):
        fields["ref"] = entry["ref"]
    body = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def verify_chain(entries: list[dict[str, Any]]) -> list[str]:
    """Every break in the chain, named by entry; an empty list means the log is intact."""
    problems, prev = [], GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            problems.append(f"entry {entry['seq']} stands at position {position}: an entry was removed or reordered")
        if entry["prev_hash"] != prev:
            problems.append(f"entry {entry['seq']} does not follow the entry before it")
        if entry_hash(entry) != entry["hash"]:
            problems.append(f"entry {entry['seq']} was edited after it was written")
        prev = entry["hash"]
    return problems
