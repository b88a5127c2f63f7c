"""One board pack from many teams' workbooks: city totals, each team beside the others, every row traced home.

Pure arithmetic and layout on the analyses of each team's workbook (the same
engine as a single roll-up), so a city figure is the sum of the team figures a
board member can follow back: every overdue action and every finding names
its team, its file and its cell, and links to that cell in the team's own
workbook (a relative link, so the pack and its folder move together).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import pack_figures as figures
from . import rag, summary
from .actions import Action, owner_names
from .analysis import Analysis
from .findings import Finding, Severity, sort_key
from .report import RAG_STYLE, Cell, Chart, Series, SheetSpec, quote_sheet
from .sources import Source

STATUS_KEYS = summary.STATUS_KEYS
SOURCES = "Sources"


@dataclass
class Team:
    """One team's workbook as the pack sees it: where it came from and what ehxl read in it."""

    source: Source
    analysis: Analysis
    #: Worked out while other teams' files are still being read (:func:`prepare`, and the snapshot's rows as
    #: :func:`ehxl.changes.action_values` makes them), so that the pack only places them; None: worked out when needed.
    snapshot_rows: list[tuple] | None = field(default=None, repr=False, compare=False)
    action_cells: tuple[date, dict[int, list[Cell]]] | None = field(default=None, repr=False, compare=False)
    #: ``snapshot_rows`` pickled, as the worker process that records the pack's history is sent them
    #: (:meth:`ehxl.team_reading.Workers.record`): pickled at the tail of the job they kept the pack waiting.
    pickled_rows: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.source.team


def prepare(team: Team) -> None:
    """The team's rows of the Overdue sheet, as of its analysis's date (the pack's, unless a file was read
    after midnight: then they are worked out again)."""
    as_of = team.analysis.as_of
    cells = {id(act): _row_cells(team, act, as_of, late=True) for act in team.analysis.late}
    cells.update((id(act), _row_cells(team, act, as_of, late=False)) for act in team.analysis.soon)
    team.action_cells = (as_of, cells)


@dataclass
class Pack:
    """Everything the pack says, before it is laid out or turned into JSON."""

    as_of: date
    within: int
    teams: list[Team]
    sources: list[Source]
    summary: dict = field(default_factory=dict)
    by_team: list[dict] = field(default_factory=list)
    late: list[tuple[Team, Action]] = field(default_factory=list)
    soon: list[tuple[Team, Action]] = field(default_factory=list)
    findings: list[tuple[Source, Finding]] = field(default_factory=list)
    kpis: list[dict] = field(default_factory=list)            # the city's rows (team null), then each team's
    maturity: list[dict] = field(default_factory=list)        # each team's area rows
    maturity_grid: list[dict] = field(default_factory=list)   # areas x teams
    audits: list[dict] = field(default_factory=list)          # each team's audit tables
    audits_pooled: list[dict] = field(default_factory=list)   # per indicator over every team's latest audit

    @property
    def errors(self) -> int:
        return sum(1 for _, f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for _, f in self.findings if f.severity is Severity.WARNING)


def combine(teams: list[Team], sources: list[Source], *, as_of: date, within: int) -> Pack:
    """City totals and the by-team table from each team's own analysis."""
    pack = Pack(as_of=as_of, within=within, teams=teams, sources=sources)
    late = [(t, a) for t in teams for a in t.analysis.late]
    soon = [(t, a) for t in teams for a in t.analysis.soon]
    pack.late = sorted(late, key=lambda ta: (ta[1].due, ta[0].name.casefold(), ta[1].sheet, ta[1].row))
    pack.soon = sorted(soon, key=lambda ta: (ta[1].due, ta[0].name.casefold(), ta[1].sheet, ta[1].row))
    pack.summary = city_rollup([t.analysis.summary for t in teams]) or \
        summary.rollup([a for t in teams for a in t.analysis.actions], [a for _, a in late], [a for _, a in soon])
    pack.by_team = sorted((_team_row(t) for t in teams), key=_worst_first)
    by_file = {id(t.source): t for t in teams}
    for src in sources:
        if src.status == "refused":
            pack.findings.append((src, Finding("file-refused", Severity.ERROR, "", None, None,
                                               f"{src.file}: {src.message}")))
        elif id(src) in by_file:
            pack.findings += [(src, f) for f in by_file[id(src)].analysis.findings]
    _figures(pack)
    return pack


def _figures(pack: Pack) -> None:
    """KPIs, maturity and audits across teams (a team may have sent more than one file)."""
    grouped: dict[str, figures.TeamFigures] = {}
    for t in pack.teams:
        g = grouped.setdefault(t.name, figures.TeamFigures(t.name))
        a, file = t.analysis, t.source.file
        g.kpis += [(file, m) for m in a.kpis]
        g.maturity += [(file, m) for m in a.maturity]
        g.audits += [(file, x) for x in a.audits]
        pack.maturity += [{**m, "team": t.name, "file": file} for m in a.maturity]
        pack.audits += [{**x, "team": t.name, "file": file} for x in a.audits]
    teams = list(grouped.values())
    city_wide = next((t.name for t in pack.teams if t.source.city_wide), None)
    city, team_rows, conflicts = figures.kpi_totals(teams, city_wide=city_wide)
    pack.kpis = city + team_rows
    by_file = {src.file: src for src in pack.sources}
    pack.findings += [(by_file[f.file], f) for f in conflicts]
    pack.maturity_grid = figures.maturity_grid(teams)
    pack.audits_pooled = figures.audit_pool(teams)


def city_rollup(rollups: list[dict]) -> dict | None:
    """``summary.rollup`` over every team's actions, added up from the roll-up each team's analysis holds.

    Themes come in the order they first appear, team by team, as they would
    be counted afresh.  Owners whose names differ only in case are ordered by
    where they first appear, which the teams' sorted tables no longer say:
    then None, and the city is counted afresh.
    """
    themes: dict[str | None, dict] = {}
    owners: dict[str, dict] = {}
    for r in rollups:
        for t in r["by_theme"]:
            g = themes.get(t["theme"])
            if g is None:
                g = themes[t["theme"]] = summary.theme_counts(t["theme"])
            for k in ("total", "complete", "overdue"):
                g[k] += t[k]
            for k in STATUS_KEYS:
                g["by_status"][k] += t["by_status"][k]
        for o in r["by_owner"]:
            g = owners.setdefault(o["owner"], {"owner": o["owner"], "total": 0, "overdue": 0})
            g["total"] += o["total"]
            g["overdue"] += o["overdue"]
    if len({name.lower() for name in owners}) < len(owners):
        return None
    total, complete = sum(r["total"] for r in rollups), sum(r["complete"] for r in rollups)
    return {
        "total": total,
        "by_status": {k: sum(r["by_status"][k] for r in rollups) for k in STATUS_KEYS},
        "complete": complete,
        "pct_complete": round(100 * complete / total, 2) if total else None,
        "overdue": sum(r["overdue"] for r in rollups),
        "due_soon": sum(r["due_soon"] for r in rollups),
        "by_theme": list(themes.values()),
        "by_owner": sorted(owners.values(), key=summary.owner_order),
    }


def _team_row(team: Team) -> dict:
    """The team's line of the by-team table, from the roll-up its analysis already holds."""
    s = team.analysis.summary
    return {"team": team.name, "total": s["total"], "complete": s["complete"], "overdue": s["overdue"],
            "due_soon": s["due_soon"], "by_status": dict(s["by_status"])}


def _worst_first(row: dict) -> tuple:
    share = row["overdue"] / row["total"] if row["total"] else 0.0
    return (-share, -row["overdue"], row["team"].casefold())


# ------------------------------------------------------------------ JSON

def to_json(pack: Pack, *, file: str | None, what: str = "rollup") -> dict:
    """The JSON document of ``ehxl rollup PATH... -o OUT``: the single-workbook keys over all teams, and more.

    ``what`` = ``validate`` or ``overdue`` gives those commands' keys for many files (with ``files``).
    """
    files = [s.json() for s in pack.sources]
    if what == "validate":
        return {"files": files, "findings": _findings_json(pack), "errors": pack.errors, "warnings": pack.warnings}
    if what == "overdue":
        return {"as_of": pack.as_of.isoformat(), "files": files,
                "overdue": [_action_json(t, a, pack.as_of, late=True) for t, a in pack.late],
                "due_soon": [_action_json(t, a, pack.as_of, late=False) for t, a in pack.soon]}
    actions = dict(pack.summary)
    actions["by_team"] = pack.by_team
    return {
        "file": file, "as_of": pack.as_of.isoformat(),
        "files": files,
        "actions": actions,
        "overdue": [_action_json(t, a, pack.as_of, late=True) for t, a in pack.late],
        "due_soon": [_action_json(t, a, pack.as_of, late=False) for t, a in pack.soon],
        "findings": _findings_json(pack),
        "kpis": pack.kpis, "maturity": pack.maturity, "maturity_grid": pack.maturity_grid,
        "audits": pack.audits, "audits_pooled": pack.audits_pooled,
        "errors": pack.errors, "warnings": pack.warnings,
    }


def _findings_json(pack: Pack) -> list[dict]:
    return [{**f.to_dict(), "team": src.team, "file": src.file} for src, f in pack.findings]


def _action_json(team: Team, act: Action, as_of: date, *, late: bool) -> dict:
    return {**summary.action_row(act, as_of, late=late), "team": team.name, "file": team.source.file}


# ------------------------------------------------------------------ sheets

def file_link(source: Source, sheet: str, cell: str | None) -> tuple[str, str]:
    """The (file, place) a pack cell links to: the team's workbook, opened at the cell."""
    place = f"{quote_sheet(sheet)}!{cell}" if cell else f"{quote_sheet(sheet)}!A1"
    return source.link, place


def sheets(pack: Pack, *, source: str) -> list[SheetSpec]:
    """The pack's sheets in the order they are added: Summary, Overdue, Validation, the figures there are, Sources."""
    out = [summary_sheet(pack, source=source), overdue_sheet(pack, source=source),
           validation_sheet(pack, source=source)]
    line = _subtitle(pack, source)
    city = [k for k in pack.kpis if k["team"] is None]
    if city:
        out.append(figures.kpi_sheet(city, [k for k in pack.kpis if k["team"] is not None], title_line=line,
                                     page_header=_header("KPIs, all teams", pack, source)))
    if pack.maturity_grid:
        out.append(figures.maturity_sheet(pack.maturity_grid, title_line=line,
                                          page_header=_header("Maturity, all teams", pack, source)))
    if pack.audits_pooled:
        teams = list(dict.fromkeys(t for row in pack.audits_pooled for t in row["teams"]))
        out.append(figures.audits_sheet(pack.audits_pooled, teams, title_line=line,
                                        page_header=_header("Audits, all teams", pack, source)))
    return out + [sources_sheet(pack, source=source)]


def _subtitle(pack: Pack, source: str) -> str:
    read = sum(1 for s in pack.sources if s.status == "read")
    return f"As of {pack.as_of.day} {pack.as_of:%B %Y} · {read} team workbooks · {source} · prepared by ehxl"


def _header(title: str, pack: Pack, source: str) -> str:
    return f"{title} · {source} · as of {pack.as_of.day} {pack.as_of:%b %Y}"


def summary_sheet(pack: Pack, *, source: str) -> SheetSpec:
    """City totals, then every team side by side (worst overdue share first) with a chart, then themes and owners."""
    spec = SheetSpec(summary.SUMMARY, widths={1: 40, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10,
                                              10: 10, 11: 10, 12: 10},
                     page_header=_header("Board pack summary", pack, source), tab_colour="1F4E78")
    spec.add_row(Cell("Board pack summary: all teams", "title"))
    spec.add_row(Cell(_subtitle(pack, source), "subtitle"))
    spec.blank()
    s = pack.summary
    total = s["total"]
    head = spec.add_row(Cell("City: all actions", "header"), Cell("Number", "header"), Cell("Share", "header"))
    spec.freeze_row = head + 1

    def share(n: int) -> Cell:
        return Cell(n / total if total else None, "pct")

    spec.add_row(Cell("All actions", "bold"), Cell(total, "int"), Cell(None, "text"))
    spec.add_row(Cell("Complete", "text"), Cell(s["complete"], "int"), share(s["complete"]))
    spec.add_row(Cell("Overdue (past deadline, not complete)", "text"), Cell(s["overdue"], "int"), share(s["overdue"]))
    spec.add_row(Cell(f"Due in the next {pack.within} days", "text"), Cell(s["due_soon"], "int"), share(s["due_soon"]))
    for key in ("green", "amber", "red", "blue", "grey", "none"):
        n = s["by_status"][key]
        if key == "none":
            spec.add_row(Cell("No status given", "text"), Cell(n, "int"), share(n))
        elif n or key in ("green", "amber", "red"):
            spec.add_row(Cell(key.capitalize(), RAG_STYLE[key]), Cell(n, "int"), share(n))
    spec.blank()
    _team_table(spec, pack)
    spec.blank()
    summary.theme_table(spec, s, pack.teams[0].analysis.legend if pack.teams else rag.DEFAULT_LEGEND)
    spec.blank()
    summary.owner_table(spec, s)
    spec.blank()
    spec.add_row(Cell(f"Overdue: a deadline before {pack.as_of:%d/%m/%Y} on an action that is not complete. "
                      "Overdue share: overdue actions over all the team's actions. Each team's figures come "
                      "from its own workbook; the Sources sheet lists every file read.", "note"))
    return spec


def _team_table(spec: SheetSpec, pack: Pack) -> None:
    shown = [k for k in STATUS_KEYS if k in ("green", "amber", "red", "none")
             or any(r["by_status"][k] for r in pack.by_team)]
    head = spec.add_row(Cell("By team", "header"), Cell("Actions", "header"), Cell("Complete", "header"),
                        Cell("Overdue", "header"), Cell("Overdue share", "header"), Cell("Due soon", "header"),
                        *[Cell(k.capitalize() if k != "none" else "No status", "header") for k in shown])
    for row in pack.by_team:
        total = row["total"]
        spec.add_row(Cell(row["team"], "wrap"), Cell(total, "int"), Cell(row["complete"], "int"),
                     Cell(row["overdue"], "int"), Cell(row["overdue"] / total if total else None, "pct"),
                     Cell(row["due_soon"], "int"),
                     *[Cell(row["by_status"][k], RAG_STYLE.get(k, "int") if row["by_status"][k] else "int")
                       for k in shown])
    if not pack.by_team:
        spec.add_row(Cell("No team workbook could be read.", "note"))
        return
    first, last = head + 1, head + len(pack.by_team)
    name = quote_sheet(spec.name)
    spec.charts.append(Chart(kind="column", title="Overdue share by team",
                             series=(Series("Overdue share", f"{name}!$A${first}:$A${last}",
                                            f"{name}!$E${first}:$E${last}"),),
                             anchor=f"N{head}", size=(8, 15), y_title="% overdue"))


def overdue_sheet(pack: Pack, *, source: str) -> SheetSpec:
    """Every team's overdue actions, most overdue first, each opening the team's file at its deadline cell."""
    spec = SheetSpec(summary.OVERDUE, widths={1: 18, 2: 8, 3: 50, 4: 24, 5: 12, 6: 10, 7: 10, 8: 26, 9: 18},
                     page_header=_header("Overdue actions, all teams", pack, source), tab_colour="C00000")
    spec.add_row(Cell("Overdue actions: all teams", "title"))
    spec.add_row(Cell(f"{len(pack.late)} overdue · {len(pack.soon)} due in the next {pack.within} days · "
                      + _subtitle(pack, source), "subtitle"))
    spec.blank()
    columns = ("Team", "Ref", "Action", "Owner(s)", "Deadline", "Days overdue", "Status", "File", "Go to")
    head = spec.add_row(*[Cell(h, "header") for h in columns])
    spec.freeze_row = head + 1
    spec.print_title_rows = (head, head)
    for team, act in pack.late:
        spec.add_row(*_row_cells(team, act, pack.as_of, late=True))
    if not pack.late:
        spec.add_row(Cell("No action is overdue.", "note"))
    spec.autofilter = f"A{head}:I{head + max(len(pack.late), 1)}"
    spec.blank()
    spec.add_row(*[Cell(h, "header") for h in ("Team", "Ref", f"Due in the next {pack.within} days", "Owner(s)",
                                                "Deadline", "Days left", "Status", "File", "Go to")])
    for team, act in pack.soon:
        spec.add_row(*_row_cells(team, act, pack.as_of, late=False))
    if not pack.soon:
        spec.add_row(Cell(f"Nothing falls due in the next {pack.within} days.", "note"))
    return spec


def _row_cells(team: Team, act: Action, as_of: date, *, late: bool) -> list[Cell]:
    """The action's row of the Overdue sheet (days overdue, or days left): as :func:`prepare` worked it out if
    it did so as of this date, else worked out now."""
    prepared = team.action_cells
    if prepared is not None and prepared[0] == as_of and (cells := prepared[1].get(id(act))) is not None:
        return cells
    return _action_cells(team, act, (as_of - act.due).days if late else (act.due - as_of).days)


def _action_cells(team: Team, act: Action, days: int) -> list[Cell]:
    cell = act.cell("deadline")
    target, place = file_link(team.source, act.sheet, cell)
    return [Cell(team.name, "wrap"), Cell(act.ref, "text"), Cell(act.action, "wrap"),
            Cell(", ".join(owner_names(act)) or "(none)", "wrap"), Cell(act.due, "date"), Cell(days, "int"),
            Cell(act.status.capitalize() if act.status else "", RAG_STYLE.get(act.status or "", "text")),
            Cell(team.source.link, "wrap"), Cell(f"{act.sheet}!{cell}", "link", place, target=target)]


def validation_sheet(pack: Pack, *, source: str) -> SheetSpec:
    """Every finding of every file, errors first, each opening the team's file at the cell."""
    spec = SheetSpec(summary.VALIDATION, widths={1: 10, 2: 20, 3: 18, 4: 22, 5: 22, 6: 8, 7: 74},
                     page_header=_header("Validation, all teams", pack, source), tab_colour="BF8F00")
    spec.add_row(Cell("Validation: owners, deadlines and statuses, all teams", "title"))
    spec.add_row(Cell(f"{pack.errors} errors · {pack.warnings} warnings · " + _subtitle(pack, source), "subtitle"))
    spec.blank()
    head = spec.add_row(*[Cell(h, "header") for h in ("Severity", "Rule", "Team", "File", "Sheet", "Cell",
                                                       "What to do")])
    spec.freeze_row = head + 1
    spec.print_title_rows = (head, head)
    ordered = sorted(pack.findings, key=lambda sf: (sf[1].severity is not Severity.ERROR, sf[0].team.casefold(),
                                                    sf[0].file, *sort_key(sf[1])))
    for src, f in ordered:
        if f.sheet and f.cell:
            target, place = file_link(src, f.sheet, f.cell)
            where = Cell(f.cell, "link", place, target=target)
        else:
            where = Cell("", "text")
        spec.add_row(Cell(f.severity.value, "rag_red" if f.severity is Severity.ERROR else "rag_amber"),
                     Cell(f.rule, "text"), Cell(src.team, "wrap"), Cell(src.link, "wrap"), Cell(f.sheet, "text"),
                     where, Cell(f.message, "wrap"))
    if not ordered:
        spec.add_row(Cell("No problems found.", "note"))
    else:
        spec.autofilter = f"A{head}:G{head + len(ordered)}"
    return spec


def sources_sheet(pack: Pack, *, source: str) -> SheetSpec:
    """Every file considered, so a board can see exactly what the pack was built from."""
    spec = SheetSpec(SOURCES, widths={1: 30, 2: 18, 3: 10, 4: 9, 5: 17, 6: 30, 7: 9, 8: 8, 9: 10, 10: 64},
                     page_header=_header("Sources", pack, source), tab_colour="595959")
    spec.add_row(Cell("Sources: the files this pack was built from", "title"))
    spec.add_row(Cell(_subtitle(pack, source), "subtitle"))
    spec.blank()
    head = spec.add_row(*[Cell(h, "header") for h in ("File", "Team", "Status", "Size (KB)", "Modified",
                                                       "Sheets read (as)", "Actions", "Errors", "Warnings",
                                                       "SHA-256 / why not read")])
    spec.freeze_row = head + 1
    spec.print_title_rows = (head, head)
    for src in pack.sources:
        sheets = "; ".join(f"{name} ({kind.replace('_', ' ')})" for name, kind in src.sheets.items())
        style = {"read": "rag_green", "refused": "rag_red", "duplicate": "rag_grey", "skipped": "rag_grey"}[src.status]
        spec.add_row(Cell(src.link, "wrap"), Cell(src.team, "wrap"), Cell(src.status, style), Cell(round(src.size / 1024, 1), "decimal1"),
                     Cell(src.modified, "text"), Cell(sheets, "wrap"), Cell(src.actions, "int"),
                     Cell(src.errors, "int"), Cell(src.warnings, "int"),
                     Cell(src.sha256 if src.status == "read" else f"{src.message} (SHA-256 {src.sha256})", "wrap"))
    spec.autofilter = f"A{head}:J{head + max(len(pack.sources), 1)}"
    return spec
