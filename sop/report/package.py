"""The executive package: one self-contained HTML page, the plan workbook (`sop-plan.xlsx`),
the decision log and the approved plan.

Everything it shows is read from the store for one cycle, so `sop report` can rebuild the
package at any time and week 3 and week 4 write the same page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from sop.numbers import money, percent, signed_percent, units
from sop.report import sections
from sop.report.charts import bar_chart, fan_chart, line_chart
from sop.report.html import kpi as _kpi
from sop.report.html import table as _table
from sop.report.workbook import sheet_frames, write_workbook
from sop.store import Store
from sop.store import package_views as views
from sop.tools.periods import add_months

# A backslash at a line end joins two source lines into one line of the page.
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111820;background:#f2f4f7;
font-size:18px;line-height:1.4}
main{max-width:1280px;margin:auto;padding:28px}
h1{font-size:36px;margin:0 0 6px} \
h2{font-size:28px;margin:44px 0 12px;border-bottom:3px solid #1f5fa8;padding-bottom:6px}
h3{font-size:20px;margin:18px 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:18px}
.card{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px}
.kpi .v{font-size:32px;font-weight:700} .kpi .l{font-size:16px;color:#3b4a5a}
table{border-collapse:collapse;width:100%;font-size:16px;background:#fff}
th,td{padding:7px 10px;border-bottom:1px solid #d5dae0;text-align:right;vertical-align:top} th{background:#e3eaf3}
td.t,th.t{text-align:left} td.n{white-space:nowrap} \
.bad{color:#a8192e;font-weight:700} .good{color:#1e6b3e;font-weight:600}
svg.chart{width:100%;height:auto;background:#fff} p.note{color:#3b4a5a;font-size:16px}
ol.agenda{font-size:22px;columns:2;background:#fff;padding:14px 18px 14px 48px;border-radius:8px}
ol.asks li{margin:0 0 14px;font-size:20px} ol.asks span{font-size:17px;color:#3b4a5a}
a{color:#1f5fa8}
"""
TARGET_FORMATS = {"service_level": "percent", "safety_stock": "units", "value": "money"}


def _on_months(series: pd.Series, months: list[str]) -> list[float | None]:
    """A month-indexed series laid on `months`, None where it has no value (a gap in the chart)."""
    return [float(series[m]) if m in series.index else None for m in months]


def fan_charts(store: Store, cycle_id: str, period: str) -> str:
    """Per family, the last 24 months of ordered units and the forecast with its 80 % and 95 % bands."""
    history = views.family_demand_history(store, add_months(period, -24), period)
    fc = views.family_forecast_bands(store, cycle_id)
    charts = []
    for family in sorted(fc["family"].unique()):
        h = history[history["family"] == family].set_index("month")["qty"]
        f = fc[fc["family"] == family].set_index("month")
        months = sorted(set(h.index) | set(f.index))
        svg = fan_chart(months, _on_months(h, months), _on_months(f["qty"], months),
                        [(_on_months(f["lo_95"], months), _on_months(f["hi_95"], months)),
                         (_on_months(f["lo_80"], months), _on_months(f["hi_80"], months))],
                        f"{family}: demand history and consensus forecast")
        charts.append(f'<div class="card"><h3>{escape(family)}</h3>{svg}</div>')
    return ('<p class="note">Family bands add up the SKU-DC bands, so they are wider than a family-level '
            'interval would be.</p><div class="grid">' + "".join(charts) + "</div>")


def _supply(store: Store, cycle_id: str) -> str:
    """Demand against supply, plant hours against capacity and inventory against the safety-stock
    target, per month, all families (base plan)."""
    lines = views.supply_by_month(store, cycle_id).pivot(index="month", columns="kind", values="qty")
    lines = lines.fillna(0.0).sort_index()
    if lines.empty:
        return "<p>No supply plan yet.</p>"
    months = list(lines.index)
    demand = lines["demand"]
    served = demand - lines.get("unmet", 0.0)
    ss = views.safety_stock_total(store, cycle_id)
    hours = views.plant_hours_by_month(store, cycle_id)
    return (
        '<div class="grid"><div class="card"><h3>Demand against supply, units</h3>'
        + bar_chart(months, {"demand": demand.tolist(), "supplied": served.tolist()}, "demand vs supply")
        + '</div><div class="card"><h3>Plant hours against capacity</h3>'
        + bar_chart(hours["month"].tolist(), {"hours used": hours["used"].tolist()}, "plant hours",
                    lines={"regular": hours["regular"].tolist(), "regular + overtime": hours["maximum"].tolist()})
        + '</div><div class="card"><h3>Projected inventory against safety-stock target, units</h3>'
        + line_chart(months, {"projected inventory": lines.get("inventory", demand * 0).tolist(),
                              "safety-stock target": [ss] * len(months)}, "inventory vs target")
        + "</div></div>"
    )


def _financials(store: Store, cycle_id: str) -> str:
    """Horizon revenue, cost and margin per family and in total against the budget (base plan)."""
    fin = views.financials_by_family(store, cycle_id)
    if fin.empty:
        return "<p>No financial projection yet.</p>"
    total = fin.drop(columns="family").sum().to_frame().T.assign(family="total")
    fin = pd.concat([fin, total], ignore_index=True)
    fin["revenue vs budget"] = fin["revenue"] / fin["budget_revenue"] - 1
    fin["margin %"] = fin["gross_margin"] / fin["revenue"]
    fin["margin vs budget"] = fin["gross_margin"] - fin["budget_margin"]
    money = "money"
    return _table(fin[["family", "revenue", "budget_revenue", "revenue vs budget", "cogs", "gross_margin",
                       "margin %", "margin vs budget"]],
                  {"revenue": money, "budget_revenue": money, "cogs": money, "gross_margin": money,
                   "margin vs budget": money, "revenue vs budget": "signed_percent", "margin %": "percent"})


def _follow_through(store: Store, period: str) -> str:
    """Last cycle's action items and any older one still open: what was done since, and what is late."""
    items = store.follow_through(period)
    return _table(items) if not items.empty else "<p>No action items from earlier cycles.</p>"


def package_html(store: Store, cycle_id: str, period: str) -> str:
    """The executive package as one self-contained page, from the store as it is now."""
    return plan_part(store, cycle_id, period) + record_part(store, cycle_id, period)


def record_part(store: Store, cycle_id: str, period: str) -> str:
    """The package's end: the cycle's decision log and the follow-through on earlier action items,
    which change as people decide and close items, while the plan above them changes only when
    weeks 3 and 4 write the package."""
    decisions = store.decision_log(cycle_id)[["seq", "gate", "decision", "decided_by", "decided_at", "rationale"]]
    return f"""<h2>Decision log</h2>{_table(decisions)}
<h2>Follow-through on earlier action items</h2>{_follow_through(store, period)}
</main></body></html>"""


def plan_part(store: Store, cycle_id: str, period: str) -> str:
    """The package up to the decision log: the plan, the finance and the gaps, as weeks 3 and 4
    left them."""
    summary = views.plan_summary(store, cycle_id)
    gaps = views.supply_gaps(store, cycle_id, top=15)
    reports = views.agent_narratives(store, cycle_id)
    suppliers = views.supplier_tiers(store, cycle_id)
    targets = views.inventory_targets_by_segment(store, cycle_id)
    fin = views.financial_totals(store, cycle_id)

    kpis = []
    if not summary.empty:
        s = summary.iloc[0]
        kpis += [_kpi("unmet demand, units", units(s["unmet_units"]),
                      "bad" if s["unmet_units"] > 0 else "good"),
                 _kpi("revenue at risk", money(s["unmet_revenue"]), "bad" if s["unmet_revenue"] > 0 else "good")]
    if not fin.empty and pd.notna(fin["r"].iloc[0]):
        r, m, b = fin.iloc[0]
        kpis += [_kpi("projected revenue", money(r)), _kpi("gross margin", percent(m / r)),
                 _kpi("revenue vs budget", signed_percent(r / b - 1), "bad" if r < b else "good")]
    narratives = "".join(f"<p><b>{escape(a)}</b>: {escape(n)}</p>" for a, n, _ in reports.itertuples(index=False))

    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">\
<title>S&amp;OP executive package {escape(period)}</title>
<style>{CSS}</style></head><body><main>
<h1>S&amp;OP executive package: {escape(period)}</h1>
<p class="note">Cycle {escape(cycle_id)}. Every figure comes from the planning tools; the narratives quote them.</p>
<div class="kpis">{''.join(kpis)}</div>
<h2>Agenda</h2>{sections.agenda()}
<h2>Summary from the agents</h2><div class="card">{narratives or '<p>No narratives yet.</p>'}</div>
{sections.heading("performance")}{sections.performance(store, cycle_id)}
{sections.heading("forecast")}{fan_charts(store, cycle_id, period)}
{sections.heading("capacity")}{sections.capacity_by_family(store, cycle_id)}
{sections.heading("inventory")}<div class="grid">{sections.inventory_against_target(store, cycle_id)}</div>
<h3>Demand, supply, plant hours and inventory, all families (base scenario)</h3>{_supply(store, cycle_id)}
{sections.heading("bridge")}{sections.bridge(store, cycle_id)}
<h3>Financials against budget by family (base scenario, horizon)</h3>{_financials(store, cycle_id)}
{sections.heading("gaps")}{sections.gaps_and_recommendations(store, cycle_id)}
{sections.heading("decisions")}{sections.decisions_requested(store, cycle_id)}
<h2>Inventory targets by segment</h2>{_table(targets, TARGET_FORMATS)}
<h2>Supplier tiers</h2>{_table(suppliers, {"score": "score"})}
<h2>The base plan's supply gaps month by month, on the same scale (their sums are ranked above)</h2>\
{_table(gaps, {"units": "units", "value": "money"})}
"""


def build_package(store: Store, cycle_id: str, period: str, out_dir: Path) -> Path:
    """Write the executive package, decision log and (once published) approved plan to out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "executive-package.html"
    page.write_text(package_html(store, cycle_id, period), encoding="utf-8")
    write_workbook(sheet_frames(store, cycle_id), out_dir / "sop-plan.xlsx")
    store.decision_log().to_csv(out_dir / "decision-log.csv", index=False)
    plan = views.approved_plan(store, cycle_id)
    if not plan.empty:
        plan.to_csv(out_dir / "approved-plan.csv", index=False)
    return page
