"""The one engine behind the CLI and the Excel buttons.

It works on :class:`~ehxl.grid.SheetGrid` objects only, so a file read from
disk and a workbook open in Excel (read through xlwings) give the same
figures.  It decides what each sheet is, reads the action plans, validates
owners and deadlines, finds what is overdue or due soon, rolls everything up,
and lays out ehxl's board sheets.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping

from . import actions as plans
from . import config as cfg
from . import rollups, summary
from .analysis import Analysis
from .findings import Finding, error, sort_key
from .grid import SheetGrid
from .owners import OwnerRegister
from .report import SheetSpec

OWNER_SHEETS = ("owners", "owner register", "owners register", "owner list")
TARGET_SHEETS = ("targets", "kpi targets")
_MIN_SCORE = 0.5


def sheet_kind(grid: SheetGrid) -> str | None:
    """What a sheet holds, judged from its name first and its contents second."""
    name = grid.name.strip().lower()
    if name in OWNER_SHEETS:
        return "owners"
    if cfg.is_config_sheet(name):
        return "config"
    if name in TARGET_SHEETS:
        return "targets"
    head = _head(grid)
    scores = {"action_plan": plans.looks_like_action_plan(head)}
    if scores["action_plan"] >= 1.0:      # every score is at most 1.0, and a tie goes to the plan: nothing can beat it
        return "action_plan"
    for kind, scorer in _other_scorers().items():
        scores[kind] = scorer(head)
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score >= _MIN_SCORE else None


HEAD_ROWS = 200


def _head(grid: SheetGrid) -> SheetGrid:
    """The top of a sheet: what a sheet is shows in its first rows, and scoring a
    50,000-row sheet in full would only make ehxl slow."""
    if grid.max_row <= HEAD_ROWS:
        return grid
    rows = sorted(grid.cells)[:HEAD_ROWS]
    return SheetGrid(grid.name, {r: grid.cells[r] for r in rows},
                     [m for m in grid.merged if m[0] <= rows[-1]], grid.hidden_rows)


def _other_scorers() -> dict:
    """Scorers of the sheet kinds beyond action plans, where their modules are present."""
    out = {}
    try:
        from . import kpis
        out["kpi_table"] = kpis.looks_like_kpi_table
    except ImportError:
        pass
    try:
        from . import maturity
        out["maturity_grid"] = maturity.looks_like_maturity_grid
    except ImportError:
        pass
    try:
        from . import audits
        out["audit_table"] = audits.looks_like_audit_table
    except ImportError:
        pass
    return out


def analyse(grids: Iterable[SheetGrid], *, as_of: date | None = None, within: int | None = None,
            owners: OwnerRegister | None = None, config: cfg.Config | None = None,
            kinds: Mapping[str, str] | None = None, release_rows: bool = False) -> Analysis:
    """Read, check and roll up every sheet.  ``kinds`` (sheet -> kind) overrides detection.  With
    ``release_rows``, for a caller done with the grids, each plan's rows are dropped as they are read (see
    :func:`~ehxl.actions.read_action_plan`)."""
    grids = list(grids)
    findings: list[Finding] = []
    config = (config or cfg.Config()).merged(_sheet_config(grids, findings))
    as_of = as_of or config.as_of or date.today()
    within = within if within is not None else (config.within if config.within is not None else 30)
    overrides = {**config.kinds, **(kinds or {})}
    result = Analysis(as_of=as_of, within=within, team=config.team)
    result.sheet_kinds = _kinds(grids, overrides, findings)
    result.register = owners or _register(grids, result.sheet_kinds, findings)
    legend_override = config.legend()
    for grid in grids:
        if result.sheet_kinds.get(grid.name) != "action_plan":
            continue
        plan = plans.read_action_plan(grid, columns=config.columns or None, legend=legend_override,
                                      release_rows=release_rows)
        if plan is None:
            findings.append(error("no-table", grid.name, None, None,
                                  f"'{grid.name}' was named as an action plan but ehxl found no header row with "
                                  f"columns such as Action, Owner and Deadline."))
            continue
        result.plans.append(plan)
        findings += plans.validate(plan, as_of=as_of, register=result.register)
    if result.plans:
        result.legend = result.plans[0].legend
    result.late, result.soon = plans.overdue(result.actions, as_of=as_of, within=within)
    result.summary = summary.rollup(result.actions, result.late, result.soon)
    _other_rollups(result, grids, config, findings)
    result.findings = sorted(findings, key=sort_key)
    return result


def recognised_nothing(analysis: Analysis) -> bool:
    """No sheet held a plan, maturity grid, KPI or audit table: there is nothing to report on."""
    return not analysis.sheet_kinds or set(analysis.sheet_kinds.values()) <= {"owners", "config", "targets"}


def _sheet_config(grids: list[SheetGrid], findings: list[Finding]) -> cfg.Config:
    for grid in grids:
        if cfg.is_config_sheet(grid.name):
            conf, problems = cfg.from_grid(grid)
            findings += problems
            return conf
    return cfg.Config()


def _kinds(grids: list[SheetGrid], overrides: Mapping[str, str], findings: list[Finding]) -> dict[str, str]:
    out: dict[str, str] = {}
    names = {g.name.lower(): g.name for g in grids}
    for name in overrides:
        if name.lower() not in names:
            findings.append(error("sheet-not-found", name, None, None,
                                  f"there is no sheet called '{name}' (sheets: {', '.join(names.values())})."))
    lowered = {k.lower(): v for k, v in overrides.items()}
    for grid in grids:
        kind = lowered.get(grid.name.lower()) or sheet_kind(grid)
        if kind and kind != "ignore":
            out[grid.name] = kind
    return out


def _register(grids: list[SheetGrid], kinds: dict[str, str], findings: list[Finding]) -> OwnerRegister | None:
    for grid in grids:
        if kinds.get(grid.name) == "owners":
            reg, problems = register_from_grid(grid)
            findings += problems
            return reg
    return None


def register_from_grid(grid: SheetGrid) -> tuple[OwnerRegister | None, list[Finding]]:
    """An owner register from a sheet whose first non-empty row is its header."""
    rows = [r for r in grid.rows() if grid.row_texts(r)]
    if not rows:
        return None, []
    header = grid.row_texts(rows[0])
    records = [{header[c]: grid.value(r, c) for c in header} for r in rows[1:]]
    try:
        return OwnerRegister.from_rows(records, source=grid.name), []
    except ValueError as exc:
        return None, [error("owners-invalid", grid.name, None, rows[0], f"'{grid.name}': {exc}")]


def _other_rollups(result: Analysis, grids: list[SheetGrid], config: cfg.Config, findings: list[Finding]) -> None:
    """Maturity, KPI and audit roll-ups, where those modules and sheets are present."""
    rollups.run(result, grids, config, findings)


def board_sheets(analysis: Analysis, *, source: str) -> list[SheetSpec]:
    """ehxl's sheets for this analysis, in the order they are added to the workbook."""
    counts = {p.sheet: len(p.actions) for p in analysis.plans}
    sheets = []
    if analysis.plans:
        sheets += [
            summary.summary_sheet(analysis.summary, analysis.legend, as_of=analysis.as_of, source=source,
                                  within=analysis.within, sheet_kinds=analysis.sheet_kinds, counts_by_sheet=counts),
            summary.overdue_sheet(analysis.late, analysis.soon, as_of=analysis.as_of, source=source,
                                  within=analysis.within),
        ]
    sheets.append(summary.validation_sheet(analysis.findings, as_of=analysis.as_of, source=source))
    return sheets + rollups.sheets(analysis, source)


def flag_targets(analysis: Analysis) -> dict[str, set[str]]:
    """The staff cells to flag: the deadline cell (or revised-deadline cell) of every overdue action."""
    out: dict[str, set[str]] = {}
    for act in analysis.late:
        fld = "revised" if act.revised is not None and act.revised.date else "deadline"
        out.setdefault(act.sheet, set()).add(act.cell(fld))
    return out


def to_json(analysis: Analysis, *, file: str, what: str) -> dict:
    """The JSON document of one command (validate | overdue | rollup)."""
    if what == "validate":
        return {"file": file, "findings": [f.to_dict() for f in analysis.findings],
                "errors": analysis.errors, "warnings": analysis.warnings}
    if what == "overdue":
        return {"file": file, "as_of": analysis.as_of.isoformat(), "overdue": analysis.overdue_json(),
                "due_soon": analysis.due_soon_json()}
    return {"file": file, "as_of": analysis.as_of.isoformat(), "sheets": analysis.sheet_kinds,
            "actions": analysis.summary, "maturity": analysis.maturity, "kpis": analysis.kpis,
            "audits": analysis.audits, "errors": analysis.errors, "warnings": analysis.warnings,
            "findings": [f.to_dict() for f in analysis.findings]}
