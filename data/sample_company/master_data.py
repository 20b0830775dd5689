"""The master-data tables of the sample company: suppliers, items, plants, DCs, routings,
lanes, the market-event calendar and the team. Each function returns the rows in the
schema's column order."""

from __future__ import annotations

from sop.data.sample_company.company import Company, average_units, plant_capacity
from sop.data.sample_company.months import month_label
from sop.data.sample_company.profile import (
    DCS,
    LANE_OVER_AVERAGE_FLOW,
    LANE_TERMS,
    MARKET_EVENTS,
    PLANTS,
    STORAGE_OVER_AVERAGE_DEMAND,
    SUPPLIERS,
    TEAM,
    event_sku,
)


def suppliers_rows(c: Company) -> list[tuple]:
    """Capacity in kg of material per month: 1.15-1.3× the average need, S05 (the outdoor
    family's source) only 1.05×, so it binds in the summer peak."""
    need = (average_units(c).sum(axis=1) * c.material_per_unit)
    rows = []
    for k, s in enumerate(SUPPLIERS):
        capacity = round(s.capacity_over_average * float(need[c.supplier == k].sum()), -1)
        rows.append((s.code, s.name, s.country, capacity, s.lead_time_days))
    return rows


def items_rows(c: Company) -> list[tuple]:
    return [
        (c.sku[s], c.name[s], c.family_name(s), float(c.price[s]), float(c.unit_cost[s]),
         SUPPLIERS[c.supplier[s]].code, float(c.material_per_unit[s]), int(c.moq[s]),
         int(c.pack_size[s]), month_label(int(c.launch[s])) if c.launch[s] > 0 else None)
        for s in range(len(c.sku))
    ]


def plants_rows(c: Company) -> list[tuple]:
    return [(code, name, regular, overtime, cost)
            for (code, name, cost), (regular, overtime) in zip(PLANTS, plant_capacity(c))]


def dcs_rows(c: Company) -> list[tuple]:
    """Storage for 2.5 months of the DC's average demand: room to pre-build, but not unlimited."""
    per_dc = average_units(c).sum(axis=0)
    return [(code, name, region, round(STORAGE_OVER_AVERAGE_DEMAND * float(per_dc[d]), -2))
            for d, (code, name, region, _) in enumerate(DCS)]


def routings_rows(c: Company) -> list[tuple]:
    return [(c.sku[s], PLANTS[p][0], float(c.hours[s, p]), float(c.routing_cost[s, p]))
            for s in range(len(c.sku)) for p in range(len(PLANTS)) if c.routed[s, p]]


def lanes_rows(c: Company) -> list[tuple]:
    """Every plant ships to every DC; capacity is 1.3× the average flow of the SKUs made there."""
    per_dc = average_units(c)
    rows = []
    for p, (plant, _, _) in enumerate(PLANTS):
        flow = per_dc[c.primary_plant == p].sum(axis=0)
        for d, (dc, _, _, _) in enumerate(DCS):
            cost, transit = LANE_TERMS[(plant, dc)]
            rows.append((plant, dc, cost, round(LANE_OVER_AVERAGE_FLOW * float(flow[d]), -2), transit))
    return rows


def market_events_rows(c: Company) -> list[tuple]:
    """The commercial calendar (MARKET_EVENTS) plus one launch event per launched SKU."""
    rows: list[tuple] = [(event_id, kind, fam, event_sku(fam, number) if number is not None else None,
                          first, last, uplift, note)
                         for event_id, kind, fam, number, first, last, uplift, note in MARKET_EVENTS]
    launched = [s for s in range(len(c.sku)) if c.launch[s] > 0]
    for i, s in enumerate(launched, start=len(rows) + 1):
        first = month_label(int(c.launch[s]))
        rows.append((f"EV-{i:02d}", "launch", c.family_name(s), c.sku[s], first,
                     month_label(int(c.launch[s]) + 2), 0.0, f"Launch of {c.name[s]}"))
    return rows


def team_rows() -> list[tuple]:
    return list(TEAM)
