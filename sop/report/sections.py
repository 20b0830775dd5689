"""The week-3 sections of the executive package: agenda, last month's performance, demand
against capacity, inventory against target, the bridge to budget, the ranked gaps with their
recommendations, and the decisions requested. Each reads one cycle from the store and returns
HTML; every number is a stored tool output, or a tool (the margin bridge) run on one."""

from __future__ import annotations

from html import escape

import pandas as pd

from sop.numbers import FORMATS, units
from sop.report.charts import bar_chart, line_chart, waterfall_chart
from sop.report.html import table
from sop.store import Store
from sop.store import package_views as views
from sop.tools.finance.projection import BridgeInput, FinanceRow, margin_bridge

AGENDA = (
    ("performance", "Performance against last month's plan"),
    ("forecast", "Consensus forecast"),
    ("capacity", "Demand against capacity by family"),
    ("inventory", "Inventory projection against targets"),
    ("bridge", "Financial bridge to budget"),
    ("gaps", "Gaps ranked by margin at risk, with recommendations"),
    ("decisions", "Decisions requested"),
)

METRICS = {  # label, kind (sop.numbers) of value and target
    "mape": ("Forecast accuracy: MAPE", "percent"),
    "wape": ("Forecast accuracy: WAPE", "percent"),
    "plan_attainment": ("Plan attainment (shipped / planned)", "percent"),
    "days_on_hand": ("Inventory, days on hand", "days"),
    "otif": ("Customer service: OTIF", "percent"),
    "gross_margin": ("Gross margin vs budget", "money"),
    "gross_margin_pct": ("Gross margin %", "percent"),
    "working_capital": ("Working capital", "money"),
}

BRIDGE_NOTE = ("Volume: units sold minus budget units at the budget margin per unit. Price/mix: standard margin of "
               "what is sold beyond that. Cost: standard cost of the units sold minus what the plan spends "
               "(overtime, freight, holding, dearer routings, stock built ahead).")


def agenda() -> str:
    items = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title in AGENDA)
    return f'<ol class="agenda">{items}</ol>'


def heading(key: str) -> str:
    return f'<h2 id="{key}">{escape(dict(AGENDA)[key])}</h2>'


def _fmt(value, kind: str) -> str:
    return FORMATS[kind](value)


def _spec(metric: str) -> str:
    """Fractions as percentages, days with a decimal, currency and units whole."""
    return METRICS.get(metric, (metric, "money"))[1]


def _status(row) -> tuple[str, str]:
    """The word and CSS class of a KPI or variance row: on target, favourable or off target."""
    if pd.isna(row.favourable):
        return "no target", ""
    if not row.flagged:
        return "on target", "good"
    return ("better than target", "good") if row.favourable else ("off target", "bad")


def performance(store: Store, cycle_id: str) -> str:
    """The key metrics of the month just closed against target, beside the last cycle's reading."""
    kpis = views.cycle_kpis(store, cycle_id)
    if kpis.empty:
        return "<p>No key metrics yet.</p>"
    before = views.previous_kpis(store, cycle_id)
    rows, tones = [], []
    for r in kpis.itertuples(index=False):
        label, spec = METRICS.get(r.metric, (r.metric, "number"))
        word, tone = _status(r)
        rows.append({"metric": label, "month": r.month, "value": _fmt(r.value, spec),
                     "last cycle": _fmt(before.get(r.metric), spec), "target": _fmt(r.target, spec),
                     "variance": _fmt(r.variance_pct, "signed_percent"), "status": word, "source": r.source})
        tones.append(tone)
    frame = pd.DataFrame(rows)
    return table(frame, tones={"status": pd.Series(tones)}) + _plan_vs_actual(store, cycle_id, kpis["month"].iloc[0])


def _plan_vs_actual(store: Store, cycle_id: str, month: str) -> str:
    """Units the last published plan put into the DCs in `month` against units shipped, by family."""
    version = views.previous_plan_version(store, cycle_id)
    if version is None:
        return ('<p class="note">First cycle: no plan was published last month, so plan attainment starts '
                "next cycle.</p>")
    rows = views.planned_units_by_family(store, version, month).merge(
        views.shipped_units_by_family(store, month), on="family", how="outer").fillna(0.0).sort_values("family")
    rows["attainment"] = (rows["shipped"] / rows["planned"]).where(rows["planned"] > 0)
    return (f"<h3>{escape(month)}: plan version {version} against units shipped, by family</h3>"
            + table(rows, {"planned": "units", "shipped": "units", "attainment": "percent"}))


def capacity_by_family(store: Store, cycle_id: str) -> str:
    """Per family and month: demand against what the constrained plan supplies."""
    lines = views.family_demand_and_unmet(store, cycle_id)
    if lines.empty:
        return "<p>No supply plan yet.</p>"
    wide = lines.pivot_table(index=["family", "month"], columns="kind", values="qty", fill_value=0.0)
    wide = wide.reindex(columns=["demand", "unmet"], fill_value=0.0)
    cards = []
    for family, g in wide.groupby(level="family"):
        months = [m for _, m in g.index]
        lost = g["unmet"].sum()
        note = f"{units(lost)} units lost" if lost > 0 else "all demand supplied"
        cards.append(f'<div class="card"><h3>{escape(family)}: {escape(note)}</h3>'
                     + bar_chart(months, {"demand": g["demand"].tolist(),
                                          "supplied": (g["demand"] - g["unmet"]).tolist()},
                                 f"{family}: demand against supply") + "</div>")
    return '<div class="grid">' + "".join(cards) + "</div>"


def inventory_against_target(store: Store, cycle_id: str) -> str:
    """Projected days on hand per month against the target (base scenario, whole company)."""
    doh = views.days_on_hand_by_month(store, cycle_id)
    if doh.empty:
        return ""
    return ('<div class="card"><h3>Projected days on hand against the target</h3>'
            + line_chart(doh["month"].tolist(), {"days on hand": doh["actual"].tolist(),
                                                  "target": doh["reference"].tolist()}, "days on hand vs target")
            + "</div>")


def _finance_rows(store: Store, cycle_id: str) -> list[FinanceRow]:
    fin = views.base_financials(store, cycle_id)
    return [FinanceRow.model_validate(r) for r in fin.astype(object).where(fin.notna(), None).to_dict("records")]


def bridge(store: Store, cycle_id: str) -> str:
    """The waterfall from budget margin to projected margin, and the variances outside tolerance."""
    rows = _finance_rows(store, cycle_id)
    if not rows:
        return "<p>No financial projection yet.</p>"
    steps = margin_bridge(BridgeInput(rows=rows)).steps
    chart = waterfall_chart([(s.step, s.value) for s in steps], "gross margin bridge to budget")
    flagged = views.flagged_variances(store, cycle_id)
    for column in ("actual", "reference", "variance"):
        flagged[column] = [_fmt(v, _spec(m)) for v, m in zip(flagged[column], flagged["metric"])]
    flagged["variance_pct"] = flagged["variance_pct"].map(lambda v: _fmt(v, "signed_percent"))
    tones = pd.Series(["good" if f else "bad" for f in flagged["favourable"]])
    flagged["favourable"] = flagged["favourable"].map({True: "favourable", False: "unfavourable"})
    flagged = flagged.rename(columns={"variance_pct": "variance %", "favourable": "direction"})
    return (f'<div class="grid"><div class="card">{chart}</div><div class="card"><p class="note">{BRIDGE_NOTE}</p>'
            + table(pd.DataFrame({"step": [s.step for s in steps], "margin": [s.value for s in steps]}),
                    {"margin": "money"}) + "</div></div>"
            "<h3>Variances outside the tolerance, over the horizon</h3>"
            + (table(flagged, tones={"direction": tones}) if not flagged.empty else "<p>None.</p>"))


def gaps_and_recommendations(store: Store, cycle_id: str) -> str:
    gaps = views.margin_gaps(store, cycle_id, top=10)
    recs = views.recommendations(store, cycle_id)
    if gaps.empty:
        return "<p>No gaps with margin at risk.</p>"
    recs["months"] = recs["months"].map(lambda m: _span(m.split(",")) if m else "")
    tones = pd.Series(["good" if v > 0 else "bad" for v in recs["net_benefit"]])
    money = "money"
    recs = recs.rename(columns={"margin_recovered": "margin recovered", "net_benefit": "net benefit",
                                "units": "units served"})
    return (table(gaps.rename(columns={"margin_at_risk": "margin at risk"}),
                  {"margin at risk": money, "units": "units"})
            + "<h3>Recommendations, each quantified by a what-if re-plan (scenarios; the base plan is unchanged)</h3>"
            + (table(recs, {"margin recovered": money, "cost": money, "net benefit": money, "units served": "units"},
                     tones={"net benefit": tones}) if not recs.empty else "<p>No lever applies to these gaps.</p>"))


def _span(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]}…{months[-1]} ({len(months)})"


def decisions_requested(store: Store, cycle_id: str) -> str:
    asks = views.decision_requests(store, cycle_id)
    if asks.empty:
        return "<p>No decisions requested yet.</p>"
    items = "".join(f"<li><b>{escape(a.decision)}</b><br><span>{escape(a.detail)}</span></li>"
                    for a in asks.itertuples(index=False))
    return f'<ol class="asks">{items}</ol>'
