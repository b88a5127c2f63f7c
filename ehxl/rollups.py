"""Maturity, quarterly KPI and case-file-audit roll-ups, wired into an analysis.

Each kind has its own pure module (maturity, kpis, audits); this module only
feeds them the sheets the engine recognised and collects their JSON, findings
and board sheets.
"""
from __future__ import annotations

from . import config as cfg
from .analysis import Analysis
from .findings import Finding, warning, where
from .grid import SheetGrid


def run(result: Analysis, grids: list[SheetGrid], config: cfg.Config, findings: list[Finding]) -> None:
    by_kind: dict[str, list[SheetGrid]] = {}
    for grid in grids:
        kind = result.sheet_kinds.get(grid.name)
        if kind:
            by_kind.setdefault(kind, []).append(grid)
    _maturity(result, by_kind, config, findings)
    _kpis(result, by_kind, findings)
    _audits(result, by_kind, findings)


def sheets(result: Analysis, source: str) -> list:
    """The Maturity, KPIs and Audits sheets for what the analysis found."""
    out = []
    if result.maturity:
        from . import maturity
        out.append(maturity.maturity_sheet(result.maturity, as_of=result.as_of, source=source))
    if result.kpis:
        from . import kpis
        out.append(kpis.kpi_sheet(result.kpis, as_of=result.as_of, source=source))
    if result.audits:
        from . import audits
        out.append(audits.audits_sheet(result.audits, as_of=result.as_of, source=source))
    return out


def _maturity(result, by_kind, config, findings) -> None:
    if not by_kind.get("maturity_grid") and not any("level" in p.columns for p in result.plans):
        return                                # no levels anywhere: not even the module is needed
    from . import maturity

    levels = []
    for act in (a for p in result.plans if "level" in p.columns for a in p.actions):
        try:
            level = maturity.parse_level(act.texts.get("level", ""))
        except ValueError:
            level = None
            findings.append(warning("maturity-level-invalid", act.sheet, act.cell("level"), act.row,
                                    f"{where(act.sheet, act.cell('level'))}: \"{act.texts.get('level')}\" is not a "
                                    f"maturity level; write 1 (Basic) to 4 (Maturity)."))
        levels.append(maturity.ActionLevel(area=act.theme or "", level=level, sheet=act.sheet, row=act.row,
                                           cell=act.cell("level")))
    declared = []
    plan_sheets = {p.sheet for p in result.plans if "level" in p.columns}
    grids = by_kind.get("maturity_grid", []) + [g for g in by_kind.get("action_plan", []) if g.name in plan_sheets]
    for grid in grids:
        found, problems = maturity.read_declared_levels(grid)
        declared += found
        findings += problems
    if not levels and not declared:
        return
    method = config.maturity_method or "median"
    result.maturity, problems = maturity.maturity_rollup(levels, declared, method=method)
    findings += problems


def _kpis(result, by_kind, findings) -> None:
    if not by_kind.get("kpi_table"):          # nothing to read: not even the module is needed
        return
    from . import kpis

    measures = []
    by_sheet = {}
    for grid in by_kind.get("kpi_table", []):
        found, problems = kpis.read_kpi_table(grid)
        measures += found
        by_sheet[grid.name] = found
        findings += problems
    if not measures:
        return
    targets = {}
    for grid in by_kind.get("targets", []):
        found, problems = kpis.read_targets(grid)
        targets.update(found)
        findings += problems
    result.kpis, problems = kpis.kpi_rollup(measures, targets or None)
    findings += problems
    if len(by_sheet) > 1:
        findings += kpis.cross_check(by_sheet)


def _audits(result, by_kind, findings) -> None:
    if not by_kind.get("audit_table"):
        return
    from . import audits

    tables = []
    for grid in by_kind.get("audit_table", []):
        found, problems = audits.read_audits(grid)
        tables += found
        findings += problems
    if not tables:
        return
    result.audits, problems = audits.audit_rollup(tables)
    findings += problems
