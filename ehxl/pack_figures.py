"""A board pack's city figures: KPIs, maturity levels and audit grades across teams.

Pure arithmetic on each team's own roll-up (the JSON rows of
:mod:`ehxl.kpis`, :mod:`ehxl.maturity` and :mod:`ehxl.audits`):

* **KPIs**: the same measure is matched across teams by name, loosely (case,
  punctuation and "&"/"and" aside).  Per quarter, counts are summed and ratios
  pooled (the sum of numerators over the sum of denominators); a percentage
  given without its numbers cannot be combined honestly and is not.  A team
  that reports the measure but not that quarter leaves the city figure
  *incomplete*: null, with the partial sum and the missing teams beside it,
  never a silently smaller number.
* **Conflicts**: two files of one team (two versions e-mailed in) that give
  different values for the same measure and quarter are a ``source-conflict``
  finding naming both files and cells, and that team's figure, and so the
  city's, is shown as conflicting rather than picked.
* **Maturity**: each matrix area (matched loosely, as a plan's areas are matched
  to its grid) against each team: declared and computed level, mismatches marked.
* **Audits**: each team's latest audit, grade counts pooled per indicator, with
  each team's good-or-better share beside the city's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from .findings import Finding, Severity, where
from .maturity import assign_areas
from .report import Cell, SheetSpec

GRADE_NAMES = ("missing", "poor", "satisfactory", "good", "outstanding")


def measure_key(name: str) -> str:
    """A measure's name as teams' tables are matched: "CiN Cases" and "CIN cases" are one measure."""
    name = name.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", name).split())


@dataclass
class TeamFigures:
    """What one team (one or more files) reported: its KPI, maturity and audit rows, with the file of each."""

    team: str
    kpis: list[tuple[str, dict]] = field(default_factory=list)        # (file, measure row)
    maturity: list[tuple[str, dict]] = field(default_factory=list)
    audits: list[tuple[str, dict]] = field(default_factory=list)


# ------------------------------------------------------------------ KPIs

def kpi_totals(teams: list[TeamFigures], *, city_wide: str | None = None
               ) -> tuple[list[dict], list[dict], list[Finding]]:
    """(city rows, team rows, source-conflict findings) for every measure any team reports.

    ``city_wide`` names the team whose tables are the city's own (a performance
    team's city-wide sheet): its figures are not added to the localities' but
    checked against their total, and a difference is a ``source-conflict``.
    """
    names: dict[str, str] = {}
    kinds: dict[str, str] = {}
    per_team: dict[tuple[str, str], dict[str, dict]] = {}      # (measure key, team) -> period_end -> point
    findings: list[Finding] = []
    team_rows: list[dict] = []
    for t in teams:
        for file, m in t.kpis:
            key = measure_key(m["measure"])
            names.setdefault(key, m["measure"])
            kinds.setdefault(key, m["kind"])
            points = per_team.setdefault((key, t.team), {})
            for p in m["periods"]:
                _merge_point(points, p, file, m, t.team, findings)
            team_rows.append({**m, "team": t.team, "file": file})
    city = []
    for key, name in names.items():
        reporting = [t.team for t in teams if (key, t.team) in per_team and t.team != city_wide]
        own = per_team.get((key, city_wide), {}) if city_wide else {}
        quarters = sorted({end for team in reporting for end in per_team[(key, team)]} | set(own))
        periods = []
        for end in quarters:
            parts = [(team, per_team[(key, team)].get(end)) for team in reporting]
            point = _city_point(kinds[key], parts, end)
            if own.get(end) is not None and own[end]["value"] is not None:
                findings += _against_city_table(point, own[end], parts, name, city_wide)
            periods.append(point)
        latest = next((p for p in reversed(periods) if p["value"] is not None), None)
        city.append({"team": None, "measure": name, "kind": kinds[key], "teams": reporting, "periods": periods,
                     "latest_period": latest["period_end"] if latest else None,
                     "latest_value": latest["value"] if latest else None})
    return city, team_rows, findings


def _against_city_table(point: dict, own: dict, parts: list[tuple[str, dict | None]], measure: str,
                         city_wide: str) -> list[Finding]:
    """The city-wide table's figure beside the localities' total: equal, or a conflict shown as one."""
    point["city_table"] = own["value"]
    total = point["value"] if point["value"] is not None else None
    if total is None or _same(own, {**point, "value": total}):
        return []
    point["status"], point["partial"], point["value"] = "conflicting", total, None
    point["conflicting_teams"] = [city_wide]
    files = list(dict.fromkeys(p["file"] for _, p in parts if p))
    first = next(p for _, p in parts if p)
    shown = own.get("text") or f"{own['value']:g}"
    theirs = f"{point['numerator']:g}/{point['denominator']:g} ({total:.1f}%)" if point["numerator"] is not None \
        else f"{total:g}"
    message = (f"{measure} for the quarter ending {_uk(own['period_end'])} is {shown} in the city-wide table "
               f"({own['file']}, {where(own['sheet'], own['cell'])}) but the {len(files)} team files add up to "
               f"{theirs} ({', '.join(files)}); the pack shows it as conflicting. Check which is right.")
    return [ConflictFinding("source-conflict", Severity.ERROR, own["sheet"], own["cell"], None, message,
                            file=own["file"], other_file=first["file"], other_cell=first["cell"],
                            other_sheet=first["sheet"])]


def _merge_point(points: dict[str, dict], p: dict, file: str, m: dict, team: str,
                 findings: list[Finding]) -> None:
    """One team's value for a quarter; a second file of the team with another value is a conflict."""
    end = p["period_end"]
    mine = {**p, "file": file, "sheet": m["sheet"]}
    seen = points.get(end)
    if seen is None or seen["value"] is None:
        points[end] = mine
        return
    if mine["value"] is None or _same(seen, mine):
        return
    seen["conflict"] = True
    findings.append(_conflict(team, m["measure"], seen, mine))


def _same(a: dict, b: dict) -> bool:
    if a.get("numerator") is not None and b.get("numerator") is not None:
        return (a["numerator"], a["denominator"]) == (b["numerator"], b["denominator"])
    return abs(float(a["value"]) - float(b["value"])) < 1e-9


def _conflict(team: str, measure: str, first: dict, second: dict) -> Finding:
    shown = lambda p: p.get("text") or f"{p['value']:g}"       # noqa: E731
    message = (f"{team}: {measure} for the quarter ending {_uk(first['period_end'])} is {shown(first)} in "
               f"{first['file']} ({where(first['sheet'], first['cell'])}) but {shown(second)} in {second['file']} "
               f"({where(second['sheet'], second['cell'])}); the pack shows it as conflicting. Keep one version "
               f"of the team's workbook in the folder, or correct the figure.")
    return ConflictFinding("source-conflict", Severity.ERROR, first["sheet"], first["cell"], None, message,
                           file=first["file"], other_file=second["file"], other_cell=second["cell"],
                           other_sheet=second["sheet"])


@dataclass(frozen=True)
class ConflictFinding(Finding):
    """A ``source-conflict``: the finding's own cell is in ``file``; the other source's is ``other_file``."""

    file: str = ""
    other_file: str = ""
    other_cell: str | None = None
    other_sheet: str = ""



def _uk(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _city_point(kind: str, points: list[tuple[str, dict | None]], end: str) -> dict:
    missing = [team for team, p in points if p is None or p["value"] is None]
    conflicting = [team for team, p in points if p is not None and p.get("conflict")]
    present = [p for _, p in points if p is not None and p["value"] is not None]
    out = {"period_end": end, "quarter": present[0]["quarter"] if present else None, "value": None,
           "numerator": None, "denominator": None, "teams_reporting": len(present), "teams_missing": missing,
           "conflicting_teams": conflicting, "method": _METHOD[kind], "partial": None}
    if kind == "ratio":
        pooled = [p for p in present if p.get("numerator") is not None and p.get("denominator")]
        num, den = sum(p["numerator"] for p in pooled), sum(p["denominator"] for p in pooled)
        if len(pooled) < len(present):
            missing = missing + [team for team, p in points if p in present and p not in pooled]
            out["teams_missing"] = missing
        figure = num / den * 100 if den else None
        out["numerator"], out["denominator"] = (_tidy(num), _tidy(den)) if pooled else (None, None)
    elif kind == "count":
        figure = _tidy(sum(p["value"] for p in present)) if present else None
    else:
        figure = None
    out["status"] = ("conflicting" if conflicting else "not combined" if kind == "percent"
                     else "incomplete" if missing else "complete")
    if out["status"] == "complete":
        out["value"] = figure
    else:
        out["partial"] = figure
    return out


_METHOD = {"count": "sum", "ratio": "pooled", "percent": "not combined"}


def _tidy(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


# ------------------------------------------------------------------ maturity

def maturity_grid(teams: list[TeamFigures]) -> list[dict]:
    """One row per matrix area, with each team's declared and computed level and whether they agree.

    A team's areas are paired one-to-one with the areas already seen (best
    pairs first, as a plan's areas are paired with its grid), so a team's
    "Service delivery" and "Integrated service delivery" stay two areas.
    """
    areas: list[str] = []
    cells: dict[str, dict[str, dict]] = {}
    for t in teams:
        pairs = assign_areas(list(dict.fromkeys(row["area"] for _, row in t.maturity)), areas)
        for file, row in t.maturity:
            area = pairs.get(row["area"]) or row["area"]
            if area not in areas:
                areas.append(area)
            declared, computed = row.get("declared_level"), row.get("computed_level")
            cells.setdefault(area, {})[t.team] = {
                "declared": declared, "computed": computed, "file": file,
                "mismatch": declared is not None and computed is not None and declared != computed}
    names = [t.team for t in teams if t.maturity]
    return [{"area": area, "teams": {team: cells[area].get(team) for team in names}} for area in areas]


# ------------------------------------------------------------------ audits

def audit_pool(teams: list[TeamFigures]) -> list[dict]:
    """Per indicator: grade counts over every team's latest audit, the city's shares, and each team's shares."""
    indicators: dict[str, dict] = {}
    for t in teams:
        latest = _latest_audit(t.audits)
        if latest is None:
            continue
        file, table = latest
        for ind in table["indicators"]:
            key = measure_key(ind["indicator"])
            row = indicators.setdefault(key, {"indicator": ind["indicator"], "counts": dict.fromkeys(GRADE_NAMES, 0),
                                              "teams": {}})
            for grade in GRADE_NAMES:
                row["counts"][grade] += ind["counts"].get(grade, 0)
            row["teams"][t.team] = {"cases": ind["cases"], "pct_good_or_better": ind["pct_good_or_better"],
                                    "file": file, "sheet": ind["sheet"], "cell": ind["cell"],
                                    "audit": table["title"], "date": table["date"]}
    out = []
    for row in indicators.values():
        cases = sum(row["counts"].values())
        good = row["counts"]["good"] + row["counts"]["outstanding"]
        out.append({**row, "cases": cases,
                    "pct": {g: row["counts"][g] / cases * 100 if cases else None for g in GRADE_NAMES},
                    "pct_good_or_better": good / cases * 100 if cases else None})
    return out


def _latest_audit(audits: list[tuple[str, dict]]) -> tuple[str, dict] | None:
    """A team's latest audit: the latest dated table, else the last one in its workbook."""
    if not audits:
        return None
    dated = [(table["date"], i) for i, (_, table) in enumerate(audits) if table.get("date")]
    return audits[max(dated)[1]] if dated else audits[-1]


# ------------------------------------------------------------------ sheets

def _quarters(rows: list[dict]) -> list[tuple[str, str]]:
    ends = {p["period_end"]: p.get("quarter") or p["period_end"] for r in rows for p in r["periods"]}
    return sorted(ends.items())


def kpi_sheet(city: list[dict], team_rows: list[dict], *, title_line: str, page_header: str) -> SheetSpec:
    """Each measure: a row per team and the city total per quarter; gaps and conflicts said in words."""
    spec = SheetSpec("KPIs", widths={1: 34}, page_header=page_header, tab_colour="375623")
    spec.add_row(Cell("Quarterly KPIs: every team and the city", "title"))
    spec.add_row(Cell(title_line, "subtitle"))
    for measure in city:
        key = measure_key(measure["measure"])
        rows = [r for r in team_rows if measure_key(r["measure"]) == key]
        quarters = _quarters([measure, *rows])
        spec.blank()
        head = spec.add_row(Cell(measure["measure"], "header"), *[Cell(label, "header") for _, label in quarters])
        if spec.freeze_row is None:
            spec.freeze_row = head + 1
        style = "decimal1" if measure["kind"] in ("ratio", "percent") else "int"
        files_of = {}
        for r in rows:
            files_of.setdefault(r["team"], set()).add(r["file"])
        for r in rows:
            by_end = {p["period_end"]: p for p in r["periods"]}
            label = r["team"] if len(files_of[r["team"]]) == 1 else f"{r['team']} ({PurePath(r['file']).name})"
            spec.add_row(Cell(label, "wrap"),
                         *[_value_cell(by_end.get(end), style) for end, _ in quarters])
        by_end = {p["period_end"]: p for p in measure["periods"]}
        spec.add_row(Cell(f"City total ({measure['periods'][0]['method'] if measure['periods'] else ''})", "bold"),
                     *[_city_cell(by_end.get(end), style) for end, _ in quarters])
        for end, label in quarters:
            p = by_end.get(end)
            if p and p["status"] == "incomplete":
                spec.add_row(Cell(f"{label}: incomplete, no figure from {', '.join(p['teams_missing'])}"
                                  + (f" (the others give {p['partial']:g})" if p["partial"] is not None else "")
                                  + ".", "note"))
            elif p and p["status"] == "conflicting":
                spec.add_row(Cell(f"{label}: {', '.join(p['conflicting_teams'])} gave two different figures "
                                  "(see Validation).", "note"))
        for c in range(2, len(quarters) + 2):
            spec.widths.setdefault(c, 12)
    if not city:
        spec.add_row(Cell("No team workbook has a quarterly KPI table.", "note"))
    spec.blank()
    spec.add_row(Cell("Counts are summed over the teams; rates are pooled (all teams' numerators over all their "
                      "denominators, shown as %); a percentage given without its numbers is not combined.", "note"))
    return spec


def _value_cell(p: dict | None, style: str) -> Cell:
    if p is None or p["value"] is None:
        return Cell("conflicting" if p and p.get("conflict") else "–", "text")
    if p.get("conflict"):
        return Cell("conflicting", "rag_amber")
    return Cell(p["value"], style)


def _city_cell(p: dict | None, style: str) -> Cell:
    if p is None:
        return Cell("–", "text")
    if p["status"] == "complete":
        return Cell(p["value"], style if style == "int" else "decimal1")
    return Cell(p["status"], "rag_amber")


def maturity_sheet(grid: list[dict], *, title_line: str, page_header: str) -> SheetSpec:
    """Areas down the side, each team's declared and computed level across, mismatches in amber."""
    spec = SheetSpec("Maturity", widths={1: 36}, page_header=page_header, tab_colour="7030A0")
    spec.add_row(Cell("Maturity matrix: every team", "title"))
    spec.add_row(Cell(title_line, "subtitle"))
    spec.blank()
    teams = list(grid[0]["teams"]) if grid else []
    spec.add_row(Cell("", "header"), *[c for team in teams for c in (Cell(team, "header"), Cell("", "header"))])
    head = spec.add_row(Cell("Area", "header"), *[Cell(h, "header") for _ in teams for h in ("Declared", "Computed")])
    spec.freeze_row = head + 1
    for row in grid:
        cells = [Cell(row["area"], "wrap")]
        for team in teams:
            got = row["teams"].get(team)
            if got is None:
                cells += [Cell("–", "text"), Cell("–", "text")]
                continue
            style = "rag_amber" if got["mismatch"] else "int"
            cells += [Cell(got["declared"], style) if got["declared"] is not None else Cell("not declared", "text"),
                      Cell(got["computed"], style) if got["computed"] is not None else Cell("no level given", "text")]
        spec.add_row(*cells)
    for c in range(2, 2 * len(teams) + 2):
        spec.widths[c] = 11
    spec.blank()
    spec.add_row(Cell("Levels: 1 Basic, 2 Early progress, 3 Substantial progress, 4 Maturity. Amber: the team's "
                      "declared level differs from the level its actions give.", "note"))
    return spec


def audits_sheet(pool: list[dict], teams: list[str], *, title_line: str, page_header: str) -> SheetSpec:
    """Per indicator, grade counts pooled over every team's latest audit, then each team's good-or-better share."""
    spec = SheetSpec("Audits", widths={1: 38}, page_header=page_header, tab_colour="C65911")
    spec.add_row(Cell("Case-file audits: every team", "title"))
    spec.add_row(Cell(title_line, "subtitle"))
    spec.blank()
    head = spec.add_row(Cell("Indicator", "header"), Cell("Cases", "header"),
                        *[Cell(g.capitalize(), "header") for g in GRADE_NAMES], Cell("Good or better", "header"),
                        *[Cell(f"{team}: good or better", "header") for team in teams])
    spec.freeze_row = head + 1
    for row in pool:
        spec.add_row(Cell(row["indicator"], "wrap"), Cell(row["cases"], "int"),
                     *[Cell(row["counts"][g], "int") for g in GRADE_NAMES],
                     Cell(_share(row["pct_good_or_better"]), "pct"),
                     *[Cell(_share(row["teams"][t]["pct_good_or_better"]), "pct") if t in row["teams"]
                       else Cell("–", "text") for t in teams])
    for c in range(2, 9 + len(teams)):
        spec.widths[c] = 11
    spec.blank()
    spec.add_row(Cell("Each team's latest audit. Shares are over all audited cases, Missing included "
                      "(6 of 17 reviews good or better is 35.3%).", "note"))
    return spec


def _share(pct: float | None) -> float | None:
    return None if pct is None else pct / 100
