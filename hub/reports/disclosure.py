"""Small-number suppression for commissioner-facing reports. Pure.

The rule (docs/report-method.md §6, after NHS Digital's disclosure control method for HES
and ECDS, 2018, for counts below national level): a count of people or calls from 1 to 7
is shown as "<8"; 0 and counts of 8 or more are shown as they are. Then *secondary
suppression*: wherever the report shows a total and the parts that add up to it (calls by
hour, by reason, by disposition, by site; claimed = confirmed + unverified + refuted; each
measure over the sites), a part that could be worked out as the total minus the others is
protected by withholding the next smallest part too (shown "*"), and, when no part is
left, the total. Figures worked out from a withheld count (money, bed days, rates, medians,
charts of monthly counts) are not shown either.

The report model holds ``Tally`` counts (an int, "<8" or "*"); this module rewrites a built
report, so the counting code never sees a suppressed figure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.reports import disclosure_groups
from hub.reports.disclosure_groups import MEASURES, Group
from hub.reports.disclosure_walk import Cell, cells_of, opaque, put_back
from schemas.reports import SMALL, WITHHELD, Disclosure, MonthlyReport, SpcChart

LOWEST_SHOWN = 8
RULE = (
    "Counts of 1 to 7 are shown as <8, and other counts are withheld (*) where a small "
    "count could be worked out from a total (NHS Digital disclosure control, 2018); "
    "figures worked out from a withheld count are not shown."
)
NOT_APPLIED = (
    "Small numbers are shown unsuppressed: this hub is set up for a commissioner with a "
    "data-sharing agreement (HUB_REPORT_SUPPRESS_SMALL_NUMBERS=false)."
)


def is_small(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < LOWEST_SHOWN


def unsuppressed(report: MonthlyReport) -> MonthlyReport:
    """The report as built, saying that no suppression applies."""
    return report.model_copy(update={"disclosure": Disclosure(suppressed=False, rule=NOT_APPLIED)})


def suppress(report: MonthlyReport) -> MonthlyReport:
    """The report with small numbers suppressed (primary and secondary) and the figures
    derived from them withheld."""
    # The parts that cannot hold a count (charts, most of a report's models) are not
    # turned into JSON and back: they go into ``data`` as the models they are.
    parts = opaque(type(report))
    data = report.model_dump(mode="json", exclude=parts)
    put_back(report, data, parts)
    cells = {c.path: c for c in cells_of(report, data, "")}
    withheld: list[str] = []
    for cell in cells.values():
        if is_small(cell.value):
            cell.container[cell.key] = SMALL
    _secondary(data, cells)
    withheld += [path for path, c in cells.items() if not c.shown and c.original != 0]
    withheld += _derived(data, cells)
    data["disclosure"] = {"suppressed": True, "rule": RULE, "withheld": withheld}
    data["notes"] = [*data["notes"], RULE]
    return MonthlyReport.model_validate(data)


def _bounds(cell: Cell, remainder: int) -> tuple[int, int]:
    """What a reader knows of a part not shown: "<8" is 1..7, "*" is 8 or more, a part the
    report never shows is anything from 0."""
    if cell.virtual:
        return 0, remainder
    return (1, 7) if cell.value == SMALL else (LOWEST_SHOWN, remainder)


def _solvable(hidden: list[Cell], remainder: int) -> bool:
    """Whether any small hidden part is fixed by the parts' known sum and their bounds."""
    bounds = [_bounds(c, remainder) for c in hidden]
    low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
    for cell, (lo, hi) in zip(hidden, bounds, strict=True):
        if cell.value != SMALL:
            continue
        least = max(lo, remainder - (high - hi))
        most = min(hi, remainder - (low - lo))
        if least >= most:
            return True
    return False


def _secondary(data: dict[str, Any], cells: dict[str, Cell]) -> None:
    """Withhold until nothing more can be worked out: pass after pass over the links, then
    the groups, each in order, as long as a pass withholds something. A rule whose cells
    were not withheld since it last did nothing would do nothing again, so a pass looks
    again only at the rules due (every rule on the first pass, then those holding a cell
    withheld since): the same withholdings in the same order as looking at every rule."""
    groups, links = disclosure_groups.groups(data, cells), disclosure_groups.links(cells)
    rules: list[Group | list[Cell]] = [*links, *groups]
    holding: dict[int, list[int]] = {}
    for n, rule in enumerate(rules):
        for c in rule if isinstance(rule, list) else [rule.total, *rule.parts]:
            holding.setdefault(id(c), []).append(n)
    due = set(range(len(rules)))

    def withhold(c: Cell, value: str) -> None:
        c.container[c.key] = value
        due.update(holding[id(c)])

    changed = True
    while changed:
        changed = False
        for n, rule in enumerate(rules):
            if n not in due:
                continue
            due.discard(n)
            if isinstance(rule, list):
                changed |= _link(rule, withhold)
            else:
                changed |= _group(rule, withhold)


def _link(same: list[Cell], withhold: Callable[[Cell, str], None]) -> bool:
    """The same figure shown twice: withheld in one place, withheld in all."""
    if all(c.shown for c in same):
        return False
    changed = False
    for c in same:
        if c.shown and c.original:
            withhold(c, WITHHELD if not is_small(c.original) else SMALL)
            changed = True
    return changed


def _group(group: Group, withhold: Callable[[Cell, str], None]) -> bool:
    """A part that could be worked out from the total and the other parts: withhold the
    next smallest part too (or the total, when no part is left or the group prefers it)."""
    total, parts = group.total, group.parts
    if not total.shown or not group.exact:
        return False
    hidden = [c for c in parts if not c.shown]
    if not hidden:
        return False
    remainder = total.original - sum(c.original for c in parts if c.shown)
    if not _solvable(hidden, remainder):
        return False
    candidates = sorted((c for c in parts if c.shown and c.original > 0), key=lambda c: c.original)
    target = candidates[0] if candidates and not group.prefer_total else total
    withhold(target, WITHHELD)
    return True


def _derived(data: dict[str, Any], cells: dict[str, Cell]) -> list[str]:
    """Withhold every figure worked out from a count that is not shown; their paths."""
    gone: list[str] = []

    def hide(container: dict[str, Any], key: str, path: str) -> None:
        if container.get(key) is not None:
            container[key] = None
            gone.append(path)

    def hidden(path: str) -> bool:
        return path in cells and not cells[path].shown

    def avoided_hidden(block: str, measures: tuple[str, ...], field: str) -> bool:
        return any(hidden(f"{block}.{m}.{field}") for m in measures)

    money = data["money"]
    for row in money["rows"]:
        if hidden(f"money.rows.{row['measure']}.costed"):
            hide(row, "amount_gbp", f"money.rows.{row['measure']}.amount_gbp")
    if any(r["amount_gbp"] is None for r in money["rows"] if r["basis"] == "confirmed"):
        hide(money, "total_gbp", "money.total_gbp")
    if any(r["amount_gbp"] is None for r in money["rows"] if r["basis"] == "claimed"):
        hide(money, "claimed_basis_gbp", "money.claimed_basis_gbp")
    if money["total_gbp"] is None or money["claimed_basis_gbp"] is None:
        hide(money, "total_with_claimed_gbp", "money.total_with_claimed_gbp")

    if avoided_hidden("totals.avoided", ("admission",), "confirmed"):
        hide(data["totals"], "bed_days_avoided", "totals.bed_days_avoided")
    for period, summary in data["comparison"].items():
        block = f"comparison.{period}.avoided"
        if avoided_hidden(block, MEASURES, "confirmed"):
            hide(summary, "money_gbp", f"comparison.{period}.money_gbp")
        if hidden(f"{block}.gp_contact.claimed"):
            hide(summary, "claimed_basis_gbp", f"comparison.{period}.claimed_basis_gbp")
        if hidden(f"{block}.admission.confirmed"):
            hide(summary, "bed_days_avoided", f"comparison.{period}.bed_days_avoided")

    for block, connection in [
        ("connection", data["connection"]),
        *((f"sites.{s['ods']}.connection", s["connection"]) for s in data["sites"]),
    ]:
        if hidden(f"{block}.calls_with_drop") or hidden(f"{block}.calls"):
            hide(connection, "share_with_drop", f"{block}.share_with_drop")
        if hidden(f"{block}.calls_audio_only") or hidden(f"{block}.calls_reported"):
            hide(connection, "share_audio_only", f"{block}.share_audio_only")

    for site in data["sites"]:
        here = f"sites.{site['ods']}"
        if hidden(f"{here}.calls"):
            hide(site, "calls_per_10_beds", f"{here}.calls_per_10_beds")
        if hidden(f"{here}.avoided.admission.confirmed"):
            hide(site, "bed_days_avoided", f"{here}.bed_days_avoided")
        for chart in ("spc_calls", "spc_avoided_admissions"):
            if _small_chart(site[chart]):
                hide(site, chart, f"{here}.{chart}")
    for chart in ("spc_calls", "spc_avoided_admissions"):
        if _small_chart(data[chart]):
            hide(data, chart, chart)
    for row in data["calls"]["by_site_kind"]:
        if hidden(f"calls.by_site_kind.{row['code']}.calls"):
            hide(row, "calls_per_10_beds", f"calls.by_site_kind.{row['code']}.calls_per_10_beds")

    rates = data["rates"]
    if hidden("rates.care_home_calls"):
        hide(rates, "calls_per_10_beds", "rates.calls_per_10_beds")
    if hidden("rates.residents"):
        hide(rates, "resident_years", "rates.resident_years")
        for key in (
            "avoided_admissions_per_1000_resident_years",
            "avoided_ed_attendances_per_1000_resident_years",
        ):
            hide(rates, key, f"rates.{key}")
    for key in (
        "avoided_admissions_per_1000_resident_years",
        "avoided_ed_attendances_per_1000_resident_years",
    ):
        rate = rates[key]
        years = rates["resident_years"]
        if rate is not None and years is not None and is_small(round(rate * years / 1000)):
            hide(rates, key, f"rates.{key}")

    answer = data["answer_times"]
    if not _enough("answer_times.answered", cells):
        for key in ("median_seconds", "p90_seconds", "share_within_target"):
            hide(answer, key, f"answer_times.{key}")
    if hidden("answer_times.within_target") or hidden("answer_times.answered"):
        hide(answer, "share_within_target", "answer_times.share_within_target")
    if not _enough("specialists.timed_joins", cells):
        hide(data["specialists"], "median_minutes_to_join", "specialists.median_minutes_to_join")

    if data["hospital_activity"] is not None:
        gone += _hospital(data["hospital_activity"], cells)
    return gone


def _enough(path: str, cells: dict[str, Cell]) -> bool:
    """A median or share over this many values may be shown (8 or more, or none)."""
    original = cells[path].original
    return original == 0 or original >= LOWEST_SHOWN


def _small_chart(chart: SpcChart | None) -> bool:
    return chart is not None and any(is_small(round(p.value)) for p in chart.points)


def _hospital(hospital: dict[str, Any], cells: dict[str, Cell]) -> list[str]:
    gone: list[str] = []
    measures = [
        (f"hospital_activity.homes.{h['ods']}.{name}", h[name])
        for h in hospital["homes"]
        for name in ("ed_attendances", "emergency_admissions")
    ]
    measures += [
        (f"hospital_activity.{name}", hospital[name])
        for name in ("area_ed_attendances", "area_emergency_admissions")
        if hospital[name] is not None
    ]
    for path, measure in measures:
        small = False
        for side in ("service", "comparison"):
            rates = measure[side]
            if rates is None:
                continue
            here = f"{path}.{side}"
            if any(not cells[f"{here}.{k}"].shown for k in ("events_before", "events_after")):
                small = True
                for key in ("per_1000_before", "per_1000_after"):
                    if rates[key] is not None:
                        rates[key] = None
                        gone.append(f"{here}.{key}")
                rates["change"] = _not_shown()
                gone.append(f"{here}.change")
        if small:
            if measure["difference_in_differences"] is not None:
                measure["difference_in_differences"] = _not_shown()
                gone.append(f"{path}.difference_in_differences")
            measure["summary"] = "Not shown: fewer than 8 events in a period."
    return gone


def _not_shown() -> dict[str, Any]:
    return {"ratio": None, "lower": None, "upper": None, "words": "not shown (small numbers)"}
