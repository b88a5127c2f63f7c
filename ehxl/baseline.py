"""The board a roll-up is compared with, and the history it is recorded in.

Shared by ``ehxl rollup`` (one workbook or a board pack) and the Roll up
button, so both find the same baseline, say the same things changed and
record the same run.  The baseline is the latest earlier run of the same
output in the history, the latest run on or before a date, or an earlier copy
of the workbook or folder read afresh.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from . import __version__
from . import changes as changes_mod
from . import history as history_mod
from .config import parse_as_of
from .errors import EhxlError
from .findings import sort_key


@dataclass
class Past:
    """The history a roll-up is compared with and recorded in, and what changed since its baseline."""

    path: Path | None
    changes: dict | None = None

    @classmethod
    def find(cls, target: Path, history: str | Path | bool | None, since, snapshot, *, read) -> "Past":
        """Check the history before anything is written; find the baseline; compare."""
        return cls.find_for(target, history, since, snapshot.as_of, lambda: snapshot, read=read)

    @classmethod
    def find_for(cls, target: Path, history: str | Path | bool | None, since, as_of: date,
                 now: Callable[[], changes_mod.Snapshot], *, read) -> "Past":
        """As :meth:`find`, the roll-up's snapshot made by ``now()`` only when there is a baseline to compare it
        with: a first roll-up of 20,000 actions need not hold its snapshot (some 13 MiB) while its sheets are
        written, only when the run is recorded."""
        path = None if history is False else (Path(history) if history not in (None, True)
                                              else history_mod.default_path(target))
        if path is not None:
            history_mod.check(path)
        baseline = board_before = None
        on_or_before = since_date(since)
        if since is not None and on_or_before is None:
            earlier = Path(since)
            if not earlier.exists():
                raise EhxlError("could not be found; give --since a date such as 30/06/2026, or an earlier copy "
                                "of the workbook or folder.", path=earlier)
            baseline = read(earlier)
        elif path is not None:
            output = output_name(target, path)
            baseline = history_mod.baseline(path, on_or_before=on_or_before, output=output) if on_or_before else \
                history_mod.baseline(path, before=as_of, output=output)
            if baseline is not None:
                board_before = history_mod.baseline(path, before=baseline.as_of, output=output)
        past = cls(path)
        if baseline is not None:
            past.changes = changes_mod.compare(baseline, now(), board_before)
        return past

    def with_findings(self, findings: list) -> list:
        """``findings`` and the history's own (stale updates, deadlines moved again), in the sheets' order."""
        extra = [f for _, f in self.findings()]
        return sorted(findings + extra, key=sort_key) if extra else findings

    def findings(self) -> list:
        """(action row, finding) for what only the history shows: stale updates, deadlines moved again."""
        return changes_mod.history_findings(self.changes)

    def sheets(self, as_of: date, source: str) -> list:
        """The Changes sheet, when there is a baseline to compare with."""
        return [changes_mod.changes_sheet(self.changes, as_of=as_of, source=source)] if self.changes else []

    def trend(self, now: Callable[[], changes_mod.Snapshot], out: Path, as_of: date) -> list:
        """The Trend sheet, once the history holds an earlier board of this output (``now()`` makes this board's
        snapshot only then)."""
        if self.path is None:
            return []
        rows = history_mod.trend(self.path, output=output_name(out, self.path))
        rows = [r for r in rows if r["as_of"] < as_of.isoformat()]
        if not rows:
            return []
        snapshot = now()
        latest = history_mod.trend_row(as_of.isoformat(), snapshot.headline(), snapshot.figures)
        return [changes_mod.trend_sheet(rows + [latest], as_of=as_of, source=out.name)]

    def record(self, snapshot, written: Path, kind: str, *, sources=(), findings=(),
               before_commit: Callable[[], None] | None = None) -> Path | None:
        """Record the run, after the save (or with ``before_commit`` waiting for it: see
        :func:`ehxl.history.record`): a workbook that was not saved leaves no run behind."""
        if self.path is None:
            return None
        history_mod.record(self.path, snapshot, output=output_name(written, self.path), kind=kind,
                           ehxl_version=__version__, sources=sources, findings=findings, before_commit=before_commit)
        return self.path


def board_date(paths: list, now: date) -> date:
    """The date an earlier copy (``--since PATH``) is judged as of: when it was last saved in Excel.

    Excel writes that into the workbook itself (``dcterms:modified`` in
    docProps/core.xml), so it survives e-mail and copying where a file's own
    time does not; for a folder, the latest of its workbooks.  Never later than
    ``now``, and ``now`` when no file says.
    """
    from .sources import find_workbooks

    saved = [d for d in (_last_saved(p) for p in find_workbooks(paths)) if d is not None]
    return min(max(saved), now) if saved else now


def _last_saved(path: Path) -> date | None:
    from .package import Package

    try:
        pkg = Package.open(path)
        if not pkg.has("docProps/core.xml"):
            return None
        found = pkg.xml("docProps/core.xml").find("{http://purl.org/dc/terms/}modified")
        return date.fromisoformat(found.text.strip()[:10]) if found is not None and found.text else None
    except (EhxlError, ValueError, SyntaxError):          # lxml's parse errors are SyntaxErrors
        return None


def since_date(since) -> date | None:
    """``since`` as a date, or None when it names an earlier copy (a path that exists wins over a date in it)."""
    if since is None or isinstance(since, date):
        return since
    if isinstance(since, Path) or Path(str(since)).exists():
        return None
    try:
        return parse_as_of(str(since))
    except EhxlError:
        return None


def output_name(output: Path, history: Path) -> str:
    """The output as the history names it: relative to the history's folder, so both can move together."""
    try:
        return Path(os.path.relpath(output.resolve(), history.resolve().parent)).as_posix()
    except ValueError:
        return output.resolve().as_posix()
