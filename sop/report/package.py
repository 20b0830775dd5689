"""The executive package: one self-contained HTML page, the plan workbook (`sop-plan.xlsx`),
the decision log and the approved plan.

Everything it shows is read from the store for one cycle, so `sop report` can rebuild the
package at any time and week 3 and week 4 write the same page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from sop.report import sections
from sop.report.charts import bar_chart, fan_chart, line_chart
from sop.report.html import kpi as _kpi
from sop.report.html import table as _table
from sop.report.workbook import sheet_frames, write_workbook
from sop.store import Store
from sop.tools.periods import add_months

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111820;background:#f2f4f7;
font-size:18px;line-height:1.4}
main{max-width:1280px;margin:auto;padding:28px}
h1{font-size:36px;margin:0 0 6px} h2{font-size:28px;margin:44px 0 12px;border-bottom:3px solid #1f5fa8;padding-bottom:6px}
h3{font-size:20px;margin:18px 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:18px}
.card{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px}
.kpi .v{font-size:32px;font-weight:700} .kpi .l{font-size:16px;color:#3b4a5a}
table{border-collapse:collapse;width:100%;font-size:16px;background:#fff}
th,td{padding:7px 10px;border-bottom:1px solid #d5dae0;text-align:right;vertical-align:top} th{background:#e3eaf3}
td.t,th.t{text-align:left} td.n{white-space:nowrap} .bad{color:#a8192e;font-weight:700} .good{color:#1e6b3e;font-weight:600}
svg.chart{width:100%;height:auto;background:#fff} p.note{color:#3b4a5a;font-size:16px}
ol.agenda{font-size:22px;columns:2;background:#fff;padding:14px 18px 14px 48px;border-radius:8px}
ol.asks li{margin:0 0 14px;font-size:20px} ol.asks span{font-size:17px;color:#3b4a5a}
a{color:#1f5fa8}
"""


def _fan_charts(store: Store, cycle_id: str, period: str) -> str:
    history = store.query(
        "SELECT i.family, h.month, SUM(h.ordered_qty) AS qty FROM demand_history h JOIN items i USING (sku) "
        "WHERE h.month >= ? AND h.month < ? GROUP BY 1, 2", [add_months(period, -24), period])
    layer = store.query("SELECT COALESCE(MAX(CASE WHEN layer = 'consensus' THEN 'consensus' END), 'sales_input') "
                        "AS layer FROM forecast_layers WHERE cycle_id = ?", [cycle_id])["layer"].iloc[0]
    fc = store.query(
        "SELECT i.family, f.month, SUM(f.qty) AS qty, SUM(f.lo_80) AS lo_80, SUM(f.hi_80) AS hi_80, "
        "SUM(f.lo_95) AS lo_95, SUM(f.hi_95) AS hi_95 FROM forecast_layers f JOIN items i USING (sku) "
        "WHERE f.cycle_id = ? AND f.layer = ? GROUP BY 1, 2", [cycle_id, layer])
    charts = []
    for family in sorted(fc["family"].unique()):
        h = history[history["family"] == family].set_index("month")["qty"]
        f = fc[fc["family"] == family].set_index("month")
        months = sorted(set(h.index) | set(f.index))
        get = lambda s: [float(s[m]) if m in s.index else None for m in months]  # noqa: E731
        svg = fan_chart(months, get(h), get(f["qty"]),
                        [(get(f["lo_95"]), get(f["hi_95"])), (get(f["lo_80"]), get(f["hi_80"]))],
                        f"{family}: demand history and consensus forecast")
        charts.append(f'<div class="card"><h3>{escape(family)}</h3>{svg}</div>')
    return ('<p class="note">Family bands add up the SKU-DC bands, so they are wider than a family-level '
            'interval would be.</p><div class="grid">' + "".join(charts) + "</div>")


def _supply(store: Store, cycle_id: str) -> str:
    lines = store.query(
        "SELECT month, kind, SUM(qty) AS qty FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' "
        "GROUP BY 1, 2", [cycle_id]).pivot(index="month", columns="kind", values="qty").fillna(0.0).sort_index()
    if lines.empty:
        return "<p>No supply plan yet.</p>"
    months = list(lines.index)
    demand = lines["demand"]
    served = demand - lines.get("unmet", 0.0)
    ss = float(store.query("SELECT COALESCE(SUM(safety_stock), 0) AS s FROM inventory_policy WHERE cycle_id = ?",
                           [cycle_id])["s"].iloc[0])
    hours = store.query(
        "SELECT month, SUM(used_hours) AS used, SUM(regular_hours) AS regular, "
        "SUM(regular_hours + max_overtime_hours) AS maximum FROM plant_hours WHERE cycle_id = ? AND scenario = 'base' "
        "GROUP BY 1 ORDER BY 1", [cycle_id])
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
    fin = store.query(
        "SELECT family, SUM(revenue) AS revenue, SUM(budget_revenue) AS budget_revenue, SUM(cogs) AS cogs, "
        "SUM(gross_margin) AS gross_margin, SUM(budget_revenue - budget_cogs) AS budget_margin "
        "FROM financials WHERE cycle_id = ? AND scenario = 'base' GROUP BY 1 ORDER BY 1", [cycle_id])
    if fin.empty:
        return "<p>No financial projection yet.</p>"
    total = fin.drop(columns="family").sum().to_frame().T.assign(family="total")
    fin = pd.concat([fin, total], ignore_index=True)
    fin["revenue vs budget"] = fin["revenue"] / fin["budget_revenue"] - 1
    fin["margin %"] = fin["gross_margin"] / fin["revenue"]
    fin["margin vs budget"] = fin["gross_margin"] - fin["budget_margin"]
    money = ",.0f"
    return _table(fin[["family", "revenue", "budget_revenue", "revenue vs budget", "cogs", "gross_margin",
                       "margin %", "margin vs budget"]],
                  {"revenue": money, "budget_revenue": money, "cogs": money, "gross_margin": money,
                   "margin vs budget": money, "revenue vs budget": "+.1%", "margin %": ".1%"})


def _follow_through(store: Store, period: str) -> str:
    """Last cycle's action items and any older one still open: what was done since, and what is late."""
    items = store.follow_through(period)
    return _table(items) if not items.empty else "<p>No action items from earlier cycles.</p>"


def build_package(store: Store, cycle_id: str, period: str, out_dir: Path) -> Path:
    """Write the executive package, decision log and (once published) approved plan to out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = store.query("SELECT * FROM plan_summary WHERE cycle_id = ? AND scenario = 'base'", [cycle_id])
    gaps = store.query("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
                       "WHERE cycle_id = ? AND scenario = 'base' ORDER BY rank LIMIT 15", [cycle_id])
    decisions = store.query("SELECT seq, gate, decision, decided_by, decided_at, rationale FROM decisions "
                            "WHERE cycle_id = ? ORDER BY seq", [cycle_id])
    reports = store.query("SELECT agent, narrative, source FROM agent_reports WHERE cycle_id = ? ORDER BY agent", [cycle_id])
    suppliers = store.query("SELECT supplier, score, tier FROM supplier_scores WHERE cycle_id = ? ORDER BY score DESC", [cycle_id])
    targets = store.query(
        "SELECT abc || xyz AS segment, COUNT(*) AS positions, AVG(service_level) AS service_level, "
        "SUM(safety_stock) AS safety_stock, SUM(safety_stock * unit_cost) AS value "
        "FROM inventory_policy WHERE cycle_id = ? GROUP BY 1 ORDER BY 1", [cycle_id])
    fin = store.query("SELECT SUM(revenue) AS r, SUM(gross_margin) AS m, SUM(budget_revenue) AS b "
                      "FROM financials WHERE cycle_id = ? AND scenario = 'base'", [cycle_id])

    kpis = []
    if not summary.empty:
        s = summary.iloc[0]
        kpis += [_kpi("unmet demand, units", f"{s['unmet_units']:,.0f}", "bad" if s["unmet_units"] > 0 else "good"),
                 _kpi("revenue at risk", f"{s['unmet_revenue']:,.0f}", "bad" if s["unmet_revenue"] > 0 else "good")]
    if not fin.empty and pd.notna(fin["r"].iloc[0]):
        r, m, b = fin.iloc[0]
        kpis += [_kpi("projected revenue", f"{r:,.0f}"), _kpi("gross margin", f"{m / r:.1%}"),
                 _kpi("revenue vs budget", f"{r / b - 1:+.1%}", "bad" if r < b else "good")]
    narratives = "".join(f"<p><b>{escape(a)}</b>: {escape(n)}</p>" for a, n, _ in reports.itertuples(index=False))

    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>S&amp;OP executive package {escape(period)}</title>
<style>{CSS}</style></head><body><main>
<h1>S&amp;OP executive package: {escape(period)}</h1>
<p class="note">Cycle {escape(cycle_id)}. Every figure comes from the planning tools; the narratives quote them.</p>
<div class="kpis">{''.join(kpis)}</div>
<h2>Agenda</h2>{sections.agenda()}
<h2>Summary from the agents</h2><div class="card">{narratives or '<p>No narratives yet.</p>'}</div>
{sections.heading("performance")}{sections.performance(store, cycle_id)}
{sections.heading("forecast")}{_fan_charts(store, cycle_id, period)}
{sections.heading("capacity")}{sections.capacity_by_family(store, cycle_id)}
{sections.heading("inventory")}<div class="grid">{sections.inventory_against_target(store, cycle_id)}</div>
<h3>Demand, supply, plant hours and inventory, all families (base scenario)</h3>{_supply(store, cycle_id)}
{sections.heading("bridge")}{sections.bridge(store, cycle_id)}
<h3>Financials against budget by family (base scenario, horizon)</h3>{_financials(store, cycle_id)}
{sections.heading("gaps")}{sections.gaps_and_recommendations(store, cycle_id)}
{sections.heading("decisions")}{sections.decisions_requested(store, cycle_id)}
<h2>Inventory targets by segment</h2>{_table(targets, {"service_level": ".1%", "safety_stock": ",.0f", "value": ",.0f"})}
<h2>Supplier tiers</h2>{_table(suppliers, {"score": ".1f"})}
<h2>Supply gaps of the base plan, ranked by revenue at risk</h2>{_table(gaps, {"units": ",.0f", "value": ",.0f"})}
<h2>Decision log</h2>{_table(decisions)}
<h2>Follow-through on earlier action items</h2>{_follow_through(store, period)}
</main></body></html>"""
    page = out_dir / "executive-package.html"
    page.write_text(html, encoding="utf-8")
    write_workbook(sheet_frames(store, cycle_id), out_dir / "sop-plan.xlsx")
    store.query("SELECT seq, cycle_id, gate, attempt, ref, decision, decided_by, decided_at, rationale, figures, "
                "prev_hash, hash FROM decisions ORDER BY seq").to_csv(out_dir / "decision-log.csv", index=False)
    plan = store.query(
        "SELECT p.sku, p.dc, p.month, p.qty AS quantity FROM published_plan p JOIN plan_versions v USING (version) "
        "WHERE v.cycle_id = ? AND v.version = (SELECT MAX(version) FROM plan_versions WHERE cycle_id = ?) "
        "ORDER BY 1, 2, 3", [cycle_id, cycle_id])
    if not plan.empty:
        plan.to_csv(out_dir / "approved-plan.csv", index=False)
    return page
