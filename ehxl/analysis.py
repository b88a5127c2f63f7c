"""What ehxl worked out from one workbook: the engine fills it, the writers and the JSON read it.

Kept apart from :mod:`ehxl.engine` so the roll-ups the engine runs can take
it without importing the engine back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import rag, summary
from .actions import Action, Plan
from .findings import Finding, Severity, count
from .owners import OwnerRegister


@dataclass
class Analysis:
    """Everything ehxl worked out from one workbook."""

    as_of: date
    within: int
    sheet_kinds: dict[str, str] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    late: list[Action] = field(default_factory=list)
    soon: list[Action] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    maturity: list[dict] = field(default_factory=list)
    kpis: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    legend: rag.Legend = rag.DEFAULT_LEGEND
    register: OwnerRegister | None = None
    team: str | None = None          # the workbook's own ``team`` setting (its Config sheet), for a board pack

    @property
    def actions(self) -> list[Action]:
        return [a for p in self.plans for a in p.actions]

    @property
    def errors(self) -> int:
        return count(self.findings, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.findings, Severity.WARNING)

    def overdue_json(self) -> list[dict]:
        return [summary.action_row(a, self.as_of, late=True) for a in self.late]

    def due_soon_json(self) -> list[dict]:
        return [summary.action_row(a, self.as_of, late=False) for a in self.soon]
