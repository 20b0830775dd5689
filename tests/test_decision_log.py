"""The decision log is hash-chained: any edited, removed or reordered entry is named."""

from __future__ import annotations

import pytest

from sop.store import Store
from sop.store.ledger import verify_chain


@pytest.fixture
def log_entries(store_db):
    with Store(store_db) as store:
        for attempt, (gate, by) in enumerate([("consensus", "dana"), ("executive", "erin"), ("consensus", "dana")], 1):
            store.log_decision(cycle_id="2026-11", gate=gate, attempt=attempt, decision="approved", by=by,
                               rationale="ok", figures={"wape": 0.2})
        store.log_decision(cycle_id="2026-11", gate="consensus", attempt=1, decision="approved", by="dana",
                           rationale="written twice after a resume", figures={})
        yield store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")


def test_an_intact_log_verifies_and_a_repeated_write_is_not_added(log_entries):
    assert len(log_entries) == 3
    assert verify_chain(log_entries) == []


def test_an_edited_entry_is_named(log_entries):
    log_entries[1]["decided_by"] = "sam"
    assert verify_chain(log_entries) == ["entry 2 was edited after it was written"]


def test_a_removed_entry_is_named(log_entries):
    del log_entries[1]
    problems = verify_chain(log_entries)
    assert "entry 3 stands at position 2: an entry was removed or reordered" in problems
    assert "entry 3 does not follow the entry before it" in problems


def test_reordered_entries_are_named(log_entries):
    log_entries[0], log_entries[1] = log_entries[1], log_entries[0]
    problems = verify_chain(log_entries)
    assert problems[0] == "entry 2 stands at position 1: an entry was removed or reordered"
