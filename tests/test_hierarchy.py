"""Reconciliation: coherence for random hierarchies, and the textbook special cases."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from sop.tools.forecasting.hierarchy import (
    METHODS,
    aggregate,
    coherent_bottom,
    hierarchy_nodes,
    reconcile,
    shrunk_covariance,
    sku_dc_key,
    summing_matrix,
)

MONTHS = ["2026-01", "2026-02", "2026-03"]


@st.composite
def hierarchies(draw) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Random base forecasts at every node for 1–3 months, residuals for 2–8 months, families."""
    families, bottom = {}, []
    for f in range(draw(st.integers(1, 3))):
        for s in range(draw(st.integers(1, 3))):
            sku = f"S{f}{s}"
            families[sku] = f"F{f}"
            dcs = draw(st.lists(st.sampled_from(["D1", "D2", "D3"]), min_size=1, max_size=3, unique=True))
            bottom += [sku_dc_key(sku, dc) for dc in dcs]
    families = pd.Series(families)
    nodes = hierarchy_nodes(bottom, families)
    months = MONTHS[:draw(st.integers(1, 3))]
    values = st.floats(0, 1000, allow_nan=False)
    forecasts = nodes.merge(pd.DataFrame({"month": months}), how="cross")
    forecasts["yhat"] = draw(st.lists(values, min_size=len(forecasts), max_size=len(forecasts)))
    past = [f"2025-{m:02d}" for m in range(1, draw(st.integers(2, 8)) + 1)]
    residuals = nodes.merge(pd.DataFrame({"month": past}), how="cross")
    errors = st.floats(-100, 100, allow_nan=False)
    residuals["residual"] = draw(st.lists(errors, min_size=len(residuals), max_size=len(residuals)))
    return forecasts, residuals, families


def children_sums(result: pd.DataFrame, families: pd.Series) -> pd.DataFrame:
    """Each parent's yhat next to the sum of its children's, per month."""
    bottom = result[result["level"] == "sku_dc"]
    sku = bottom["key"].str.split("/").str[0]
    parent_of = {
        "sku": (bottom, sku),
        "family": (result[result["level"] == "sku"], result.loc[result["level"] == "sku", "key"].map(families)),
        "total": (result[result["level"] == "family"], "total"),
    }
    rows = []
    for level, (children, parent) in parent_of.items():
        sums = children.assign(parent=parent).groupby(["parent", "month"])["yhat"].sum()
        own = result[result["level"] == level].set_index(["key", "month"])["yhat"]
        rows.append(pd.DataFrame({"own": own, "children": sums.rename_axis(["key", "month"])}))
    return pd.concat(rows)


@settings(max_examples=30, deadline=None)
@given(hierarchies())
def test_every_method_adds_up_at_every_level_and_month(case):
    forecasts, residuals, families = case
    for method in METHODS:
        result = reconcile(forecasts, families, method, residuals=residuals)
        assert len(result) == len(forecasts)
        check = children_sums(result, families)
        assert not check.isna().any().any()
        np.testing.assert_allclose(check["own"], check["children"], atol=1e-6)
        assert (result["yhat"] >= 0).all()


@settings(max_examples=30, deadline=None)
@given(hierarchies())
def test_coherent_forecasts_come_back_unchanged(case):
    forecasts, residuals, families = case
    bottom = forecasts[forecasts["level"] == "sku_dc"]
    sku, dc = bottom["key"].str.split("/").str[0], bottom["key"].str.split("/").str[1]
    coherent = aggregate(pd.DataFrame({"sku": sku, "dc": dc, "month": bottom["month"], "yhat": bottom["yhat"]}),
                         families)
    for method in METHODS:
        result = reconcile(coherent, families, method, residuals=residuals)
        np.testing.assert_allclose(result["yhat"], coherent["yhat"], atol=1e-6)


FAMILIES = pd.Series({"A": "tools", "B": "tools", "C": "garden"})
BOTTOM = pd.DataFrame({
    "sku": ["A", "A", "B", "C"], "dc": ["D1", "D2", "D1", "D1"],
    "month": "2026-01", "yhat": [10.0, 20.0, 30.0, 40.0],
})


def test_aggregate_sums_every_level():
    table = aggregate(BOTTOM, FAMILIES).set_index(["level", "key"])["yhat"]
    assert table[("total", "total")] == 100
    assert table[("family", "tools")] == 60 and table[("family", "garden")] == 40
    assert table[("sku", "A")] == 30
    assert table[("sku_dc", "A/D2")] == 20


def test_bottom_up_equals_plain_sums_and_ignores_upper_levels():
    base = aggregate(BOTTOM, FAMILIES)
    base.loc[base["level"] != "sku_dc", "yhat"] = 999.0  # incoherent upper levels are not used
    result = reconcile(base, FAMILIES, "bottom_up")
    assert result["yhat"].tolist() == aggregate(BOTTOM, FAMILIES)["yhat"].tolist()
    only_bottom = reconcile(base[base["level"] == "sku_dc"], FAMILIES, "bottom_up")
    assert only_bottom["yhat"].tolist() == result["yhat"].tolist()
    assert only_bottom.loc[only_bottom["level"] == "total", "yhat_base"].isna().all()


def test_ols_is_the_least_squares_coherent_fit():
    # One SKU at two DCs: total = family = SKU = b1 + b2, base 10 at each of the three parents
    # and 4 at each leaf. Normal equations S'S b = S'ŷ: [[4, 3], [3, 4]] b = [34, 34], so
    # b1 = b2 = 34/7 = 4.857 and every parent is 68/7 = 9.714.
    families = pd.Series({"A": "f"})
    base = pd.DataFrame({
        "level": ["total", "family", "sku", "sku_dc", "sku_dc"],
        "key": ["total", "f", "A", "A/D1", "A/D2"],
        "month": "2026-01", "yhat": [10.0, 10.0, 10.0, 4.0, 4.0],
    })
    result = reconcile(base, families, "ols").set_index("key")["yhat"]
    assert result["A/D1"] == pytest.approx(34 / 7)
    assert result["total"] == pytest.approx(68 / 7)


def test_mint_trusts_the_node_with_the_smaller_residuals():
    families = pd.Series({"A": "f"})
    base = pd.DataFrame({
        "level": ["total", "family", "sku", "sku_dc"], "key": ["total", "f", "A", "A/D1"],
        "month": "2026-01", "yhat": [100.0, 100.0, 100.0, 40.0],
    })
    rng = np.random.default_rng(3)
    residuals = pd.DataFrame([
        {"level": level, "key": key, "month": f"2025-{m:02d}", "residual": rng.normal(0, scale)}
        for m in range(1, 13)
        for level, key, scale in [("total", "total", 50), ("family", "f", 50), ("sku", "A", 50), ("sku_dc", "A/D1", 1)]
    ])
    result = reconcile(base, families, "mint_shrink", residuals=residuals)
    assert result.loc[result["key"] == "total", "yhat"].item() < 45  # close to the precise bottom's 40


def test_intervals_move_with_the_reconciled_mean():
    base = aggregate(BOTTOM, FAMILIES)
    base.loc[base["key"] == "total", "yhat"] = 110.0  # total base disagrees by +10
    base["lo_80"] = base["yhat"] - 5
    base["hi_80"] = base["yhat"] + 5
    result = reconcile(base, FAMILIES, "ols")
    np.testing.assert_allclose(result["hi_80"] - result["yhat"], 5)
    np.testing.assert_allclose(result["yhat"] - result["lo_80"], np.minimum(5, result["yhat"]))


def test_missing_node_is_named():
    base = aggregate(BOTTOM, FAMILIES)
    with pytest.raises(ValueError, match="family 'garden' in 2026-01"):
        reconcile(base[base["key"] != "garden"], FAMILIES, "ols")


def test_mint_without_residuals_says_what_to_do():
    with pytest.raises(ValueError, match="method='ols'"):
        reconcile(aggregate(BOTTOM, FAMILIES), FAMILIES, "mint_shrink")


def test_summing_matrix_maps_bottom_series_to_their_ancestors():
    nodes = hierarchy_nodes(["A/D1", "A/D2", "B/D1", "C/D1"], FAMILIES)
    S = summing_matrix(nodes, FAMILIES).toarray()
    assert nodes["key"].tolist() == ["total", "garden", "tools", "A", "B", "C", "A/D1", "A/D2", "B/D1", "C/D1"]
    assert S[0].tolist() == [1, 1, 1, 1]
    assert S[2].tolist() == [1, 1, 1, 0]  # tools = A/D1 + A/D2 + B/D1
    assert (S[6:] == np.eye(4)).all()


def test_shrinkage_pulls_noisy_correlations_towards_the_diagonal():
    rng = np.random.default_rng(0)
    residuals = rng.normal(size=(6, 4))  # independent: every sample correlation is noise
    sample = np.cov(residuals.T)  # centred, n − 1
    shrunk = shrunk_covariance(residuals)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(np.diag(shrunk), np.diag(sample))
    assert np.abs(shrunk[off]).sum() < np.abs(sample[off]).sum()


def test_shrunk_covariance_is_hierarchicalforecasts_schafer_strimmer():
    from hierarchicalforecast.methods import MinTrace

    rng = np.random.default_rng(1)
    S = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]])
    residuals = rng.normal(size=(10, 6)) * [5, 3, 2, 1, 1, 2] + rng.normal(size=(10, 1))  # correlated
    fitted = rng.normal(size=(6, 10))
    _, W = MinTrace("mint_shrink", mint_shr_ridge=0.0)._get_PW_matrices(
        S=S, y_hat=np.zeros((6, 1)), y_insample=fitted + residuals.T, y_hat_insample=fitted)
    np.testing.assert_allclose(shrunk_covariance(residuals), W, rtol=1e-9, atol=1e-12)


def test_mint_shrink_and_ols_agree_with_hierarchicalforecast():
    from hierarchicalforecast.methods import MinTrace

    families = pd.Series({"A": "tools", "B": "tools", "C": "garden"})
    nodes = hierarchy_nodes(["A/D1", "A/D2", "B/D1", "C/D1", "C/D2"], families)
    S = summing_matrix(nodes, families).toarray()
    rng = np.random.default_rng(5)
    coherent = S @ rng.uniform(50, 150, size=(5, 2))
    base = coherent * rng.uniform(0.9, 1.1, size=coherent.shape)  # incoherent, far from zero
    forecasts = nodes.merge(pd.DataFrame({"month": MONTHS[:2]}), how="cross")
    forecasts["yhat"] = base.ravel()
    errors = rng.normal(size=(len(nodes), 9)) * rng.uniform(1, 20, size=(len(nodes), 1))
    past = [f"2025-{m:02d}" for m in range(1, 10)]
    residuals = nodes.merge(pd.DataFrame({"month": past}), how="cross").assign(residual=errors.ravel())
    fitted = rng.uniform(50, 150, size=errors.shape)
    for method in ("mint_shrink", "ols"):
        expected = MinTrace(method, mint_shr_ridge=0.0).fit_predict(
            S=S, y_hat=base, y_insample=fitted + errors, y_hat_insample=fitted)["mean"]
        ours = reconcile(forecasts, families, method, residuals=residuals)
        np.testing.assert_allclose(ours["yhat"].to_numpy().reshape(base.shape), expected, rtol=1e-5)


def test_mint_with_identity_weights_is_ols():
    nodes = hierarchy_nodes(["A/D1", "A/D2", "B/D1", "C/D1"], FAMILIES)
    S = summing_matrix(nodes, FAMILIES)
    base = np.random.default_rng(4).uniform(0, 100, size=(S.shape[0], 3))
    np.testing.assert_allclose(coherent_bottom(S, base, np.eye(S.shape[0])), coherent_bottom(S, base), rtol=1e-5)


def test_mint_shrink_splits_a_two_child_discrepancy_by_hand():
    # total = c1 + c2 with base forecasts 100, 40, 50: the sum misses the total by d = 10.
    # Residual columns are orthogonal (Hadamard), so every sample correlation is 0, λ = 1 and
    # W = diag(8/3, 4/3, 4/3). A diagonal W moves each node by its share of Σ w: the total down
    # by d·2/4 and each child up by d·1/4, i.e. 95 = 42.5 + 52.5.
    S = sparse.csr_matrix(np.array([[1, 1], [1, 0], [0, 1.0]]))
    hadamard = np.array([[1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1.0]])
    residuals = hadamard * [np.sqrt(2), 1, 1]
    W = shrunk_covariance(residuals)
    np.testing.assert_allclose(W, np.diag([8 / 3, 4 / 3, 4 / 3]), atol=1e-12)
    bottom = coherent_bottom(S, np.array([[100.0], [40.0], [50.0]]), W)
    np.testing.assert_allclose(bottom.ravel(), [42.5, 52.5], rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(hierarchies(), st.randoms(use_true_random=False))
def test_mint_adds_up_when_nodes_have_residuals_for_different_months(case, random):
    # Launches have fewer backtest months than established nodes; some have none at all.
    forecasts, residuals, families = case
    kept = residuals.sample(frac=random.uniform(0.3, 1.0), random_state=random.randrange(2**32))
    if kept.groupby(["level", "key"]).size().max() < 2:
        kept = residuals
    result = reconcile(forecasts, families, "mint_shrink", residuals=kept)
    check = children_sums(result, families)
    np.testing.assert_allclose(check["own"], check["children"], atol=1e-6)
    assert (result["yhat"] >= 0).all()


def test_partial_residuals_keep_each_nodes_own_variance():
    rng = np.random.default_rng(2)
    residuals = rng.normal(size=(12, 4)) * [5, 3, 2, 1]
    residuals[:7, 3] = np.nan  # a launch: five backtest months
    partial = np.append(residuals, np.full((12, 1), np.nan), axis=1)
    partial[-1, 4] = 4.0  # one month only: no variance estimate
    W = shrunk_covariance(partial)
    np.testing.assert_allclose(np.diag(W)[:4], np.nanvar(residuals, axis=0, ddof=1))
    assert W[4, 4] == pytest.approx(np.nanvar(residuals, axis=0, ddof=1).max())
    assert (W[4, :4] == 0).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 0.8))
def test_w_from_partial_residuals_is_positive_semi_definite_and_p_is_unbiased(seed, missing):
    # Nodes with different backtest months must still give a covariance (no negative variance of
    # any combination of nodes), and forecasts that add up come back unchanged (P·S = I).
    rng = np.random.default_rng(seed)
    residuals = rng.normal(size=(8, 6)) * rng.uniform(0.1, 10, size=6) + rng.normal(size=(8, 1))
    residuals[rng.random(residuals.shape) < missing] = np.nan
    residuals[:2, 0] = rng.normal(size=2)  # one node keeps two months, so W is defined
    W = shrunk_covariance(residuals)
    assert np.linalg.eigvalsh(W).min() >= -1e-9 * np.abs(W).max()
    S = sparse.csr_matrix(np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]]))
    bottom = rng.uniform(0, 100, size=(3, 2))
    np.testing.assert_allclose(coherent_bottom(S, S @ bottom, W), bottom, rtol=1e-8)
