"""Problems found in a workbook, kept as data.

Every check in ehxl returns :class:`Finding` objects rather than printing or
raising, so the same problems can be shown as a table, as JSON, on the
``Validation`` sheet, or in an Excel alert.  A finding always names the sheet
and cell so a manager can go straight to it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, where, and in plain English."""

    rule: str
    severity: Severity
    sheet: str
    cell: str | None
    row: int | None
    message: str

    def to_dict(self) -> dict:
        """Its fields (a subclass's too) as plain values; every field is a plain value, so no deep copy."""
        d = {name: getattr(self, name) for name in _field_names(type(self))}
        d["severity"] = self.severity.value
        return d


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A finding class's fields, in order: asked once per class, not once per finding (a pack has thousands)."""
    return tuple(f.name for f in fields(cls))


def error(rule: str, sheet: str, cell: str | None, row: int | None, message: str) -> Finding:
    return Finding(rule, Severity.ERROR, sheet, cell, row, message)


def warning(rule: str, sheet: str, cell: str | None, row: int | None, message: str) -> Finding:
    return Finding(rule, Severity.WARNING, sheet, cell, row, message)


def where(sheet: str, cell: str | None) -> str:
    """The place a message names: ``'Plan'!E7`` (as Excel writes it)."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{cell}" if cell else quoted


def count(findings: Iterable[Finding], severity: Severity) -> int:
    return sum(1 for f in findings if f.severity is severity)


def sort_key(f: Finding) -> tuple:
    return (f.sheet, f.row or 0, f.cell or "", f.rule)
