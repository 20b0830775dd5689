"""Approval policies pass a gate only when every rule holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sop.graph.policy import load_policy

POLICY = """
name: nightly
gates:
  consensus:
    - {metric: backtest_wape, max: 0.3}
    - {metric: fva_vs_naive, min: 0}
"""


def _policy(tmp_path: Path, text: str = POLICY, suffix: str = ".yaml"):
    path = tmp_path / f"policy{suffix}"
    path.write_text(text)
    return load_policy(path)


def test_passes_when_every_rule_holds(tmp_path):
    assert _policy(tmp_path).failures("consensus", {"backtest_wape": 0.25, "fva_vs_naive": 0.02}) == []


def test_names_each_rule_that_fails(tmp_path):
    failures = _policy(tmp_path).failures("consensus", {"backtest_wape": 0.31, "fva_vs_naive": -0.01})
    assert failures == ["backtest_wape = 0.31 is above the maximum 0.3",
                        "fva_vs_naive = -0.01 is below the minimum 0"]


def test_a_gate_without_rules_or_a_missing_figure_never_passes(tmp_path):
    policy = _policy(tmp_path)
    assert policy.failures("executive", {"anything": 1.0}) == ["policy 'nightly' has no rules for the executive gate"]
    assert policy.failures("consensus", {"backtest_wape": 0.1}) == ["fva_vs_naive is not reported at this gate"]


def test_json_policies_load_too(tmp_path):
    policy = _policy(tmp_path, '{"name": "j", "gates": {"executive": [{"metric": "plan_optimal", "min": 1}]}}', ".json")
    assert policy.failures("executive", {"plan_optimal": 1.0}) == []


@pytest.mark.parametrize("text, message", [
    ("name: x\ngates:\n  consensus:\n    - {metric: wape}\n", "field gates.consensus.0"),
    ("name: x\ngates:\n  weekly: []\n", "field gates.weekly"),
    ("gates: {}\n", "field name"),
])
def test_bad_policy_files_name_the_field(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        _policy(tmp_path, text)


def test_the_packaged_demo_policy_loads_by_name_from_any_folder(tmp_path: Path):
    """`--policy demo` is the file shipped in the package, whatever the working directory."""
    policy = load_policy("demo")
    assert policy.name == "demo-policy"
    shipped = Path(__file__).resolve().parents[1] / "data" / "demo-policy.yaml"
    assert policy == load_policy(shipped)
    assert policy.failures("consensus", {"backtest_wape": 0.2, "fva_vs_naive": 0.1}) == []


def test_an_unknown_policy_name_lists_the_packaged_ones(tmp_path: Path):
    with pytest.raises(ValueError, match=r"nightly-run: cannot read the policy file .*packaged policy \(demo\)"):
        load_policy("nightly-run")
