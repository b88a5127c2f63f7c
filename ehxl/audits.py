"""Case-file audit grades: counts per indicator and grade, shares, mean grade, and change since the last audit.

Councils grade each audited case per indicator (Response to initial contact,
Assessment quality, Reviews, ...) as 0 Missing, 1 Poor (Inadequate),
2 Satisfactory (Requires improvement), 3 Good, sometimes 4 Outstanding, and
report either a table of counts (indicators x grades, or grades x indicators)
or one row per audited case.  The board reads shares over *all* audited cases,
Missing included (6 of 17 reviews good = 35.3%), and a mean grade over the
graded cases; it also wants to see whether the latest audit is better than the
previous one of the same indicators.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Iterable

from .findings import Finding, error, warning, where
from .grid import GridCell, SheetGrid, a1, column_letter, split_a1
from .report import Cell, Chart, Series, SheetSpec

GRADES = {0: "missing", 1: "poor", 2: "satisfactory", 3: "good", 4: "outstanding"}
SHEET_NAME = "Audits"

_GRADE_WORDS = {
    "missing": 0, "not found": 0, "not evidenced": 0, "not on file": 0, "absent": 0, "not seen": 0,
    "poor": 1, "inadequate": 1, "unsatisfactory": 1,
    "satisfactory": 2, "requires improvement": 2, "requires improvement to be good": 2, "ri": 2,
    "adequate": 2, "fair": 2,
    "good": 3,
    "outstanding": 4, "excellent": 4,
}
_NOT_GRADED = {"n/a", "na", "n.a.", "not applicable", "-", "–", "—", "not audited", "not relevant"}
_HEADER_WORDS = {"indicator", "indicators", "measure", "measures", "area", "question", "standard",
                 "criteria", "criterion", "grade", "grades", "domain", "theme", "quality measure"}
_CASE_WORDS = ("case", "child", "ref", "id", "family", "auditor", "audit no", "no.")
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_RE = (r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")


@dataclass
class AuditIndicator:
    """One indicator's grade counts; ``cell`` is its name's cell, ``count_cells`` where each count stood."""

    name: str
    counts: dict[int, int]
    cell: str
    row: int
    count_cells: dict[int, str] = field(default_factory=dict)


@dataclass
class AuditTable:
    """One audit as read from a sheet, in any of the three layouts."""

    sheet: str
    title: str | None
    cell: str                      # the table's header corner
    layout: str                    # "indicator_rows" | "grade_rows" | "per_case"
    grades: tuple[int, ...]
    indicators: list[AuditIndicator]
    title_cell: str | None = None
    completion: tuple[int, int] | None = None     # (done, due)
    completion_cell: str | None = None
    cases: int | None = None                      # per-case layout: the cases audited
    top: int = 0                                  # first and last sheet rows the table uses
    bottom: int = 0

    @property
    def date(self) -> date | None:
        return title_date(self.title or "")


# --------------------------------------------------------------------------- grades and counts

@dataclass(frozen=True)
class _Grade:
    grade: int
    worded: bool          # a grade word was written, not a bare number
    conflict: bool        # number and word disagree ("1=GOOD")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s/&]", " ", str(text).casefold()).split())


def parse_grade(value: object) -> int | None:
    """The grade a header or cell names: ``0=MISSING``, ``1 Poor``, ``Requires improvement``, ``3``; else ``None``."""
    g = _grade(value)
    return g.grade if g else None


def _grade(value: object) -> _Grade | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _Grade(int(value), False, False) if float(value).is_integer() and 0 <= value <= 4 else None
    return _grade_text(str(value))


@lru_cache(maxsize=4096)
def _grade_text(raw: str) -> _Grade | None:
    text = raw.strip().casefold()
    if "%" in text or len(text) > 60:
        return None
    text = re.sub(r"\(([^)]*)\)", r"/\1", text)
    m = re.fullmatch(r"(?:grade\s*)?([0-4])?(?:\.0)?\s*[=:.\-–—)]?\s*(.*)", text, re.S)
    if not m:
        return None
    num = int(m.group(1)) if m.group(1) is not None else None
    rest = m.group(2).strip()
    if not rest:
        return _Grade(num, False, False) if num is not None else None
    parts = [_norm(p) for p in re.split(r"/|,|\bor\b", rest) if _norm(p)]
    words = {_GRADE_WORDS.get(p) for p in parts}
    if not parts or None in words or len(words) != 1:
        return None
    word = words.pop()
    if num is None:
        return _Grade(word, True, False)
    return _Grade(num, True, num != word)


def _count(cell: GridCell) -> int | None:
    """A whole, non-negative count; blank and '-' are 0; ``None`` when it is not a count."""
    v = cell.value
    if v is None or (isinstance(v, str) and (not v.strip() or v.strip() in {"-", "–", "—"})):
        return 0
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        try:
            v = float(v.strip())
        except ValueError:
            return None
    if isinstance(v, (int, float)) and float(v).is_integer() and v >= 0:
        return int(v)
    return None


def _is_num(cell: GridCell) -> bool:
    v = cell.value
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    try:
        float(str(v).strip())
    except ValueError:
        return False
    return bool(str(v).strip())


def _is_label(cell: GridCell) -> bool:
    return bool(cell.text) and not _is_num(cell)


# --------------------------------------------------------------------------- dates in titles

def title_date(title: str) -> date | None:
    """The date an audit title names, for ordering audits: ``Dec 2015``, ``(March) - 2014/15``, ``31/12/2015``.

    A month with a financial year (2014/15) falls in the year the month has in
    that financial year (March 2014/15 is March 2015); a financial year alone is
    its 1 April; a day-first date is that day.
    """
    t = title.casefold()
    m = re.search(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b", t)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        try:
            return date(y + 2000 if y < 100 else y, mo, d)
        except ValueError:
            pass
    month = re.search(_MONTH_RE, t)
    fy = re.search(r"\b(20\d\d)\s*[/\-–]\s*(\d{2}|20\d\d)\b", t)
    mon = _MONTHS[month.group(1)[:3]] if month else None
    if mon:
        y = re.match(r"\s*[,.']?\s*(\d{4}|\d{2})\b", t[month.end():])
        if y and not fy:
            year = int(y.group(1))
            return date(year + 2000 if year < 100 else year, mon, 1)
        if fy:
            start = int(fy.group(1))
            return date(start if mon >= 4 else start + 1, mon, 1)
        y = re.search(r"\b(20\d\d)\b", t)
        if y:
            return date(int(y.group(1)), mon, 1)
    if fy:
        return date(int(fy.group(1)), 4, 1)
    y = re.search(r"\b(20\d\d)\b", t)
    return date(int(y.group(1)), 1, 1) if y else None


def _title_key(title: str | None) -> str:
    t = (title or "").casefold()
    t = re.sub(r"\b(20\d\d)\s*[/\-–]\s*(\d{2}|20\d\d)\b", " ", t)
    t = re.sub(_MONTH_RE, " ", t)
    t = re.sub(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b20\d\d\b", " ", t)
    return _norm(t)


def _indicator_key(name: str) -> str:
    return _norm(name).replace("&", "and")


# --------------------------------------------------------------------------- finding tables

def _row_grades(grid: SheetGrid, row: int) -> dict[int, _Grade]:
    return {c: g for c, cell in grid.cells.get(row, {}).items() if (g := _grade(cell.value)) is not None}


def _monotonic(seq: list[int]) -> bool:
    return len(set(seq)) == len(seq) and (seq == sorted(seq) or seq == sorted(seq, reverse=True))


def _grade_header(grid: SheetGrid, row: int) -> dict[int, _Grade]:
    """Columns of ``row`` headed by grades (indicators run down the rows), or {}."""
    found = _row_grades(grid, row)
    worded = {c: g for c, g in found.items() if g.worded}
    if len(worded) >= 3 and _monotonic([worded[c].grade for c in sorted(worded)]):
        return worded
    bare = {c: g for c, g in found.items() if not g.worded}
    if len(bare) >= 3 and _monotonic([bare[c].grade for c in sorted(bare)]):
        left = [grid.text(row, c) for c in range(1, min(bare))]
        if any(_norm(t) in _HEADER_WORDS for t in left):
            return bare
    return {}


def _numeric_share(cells: Iterable[GridCell]) -> tuple[int, int]:
    cells = [c for c in cells if c.text]
    return sum(1 for c in cells if _is_num(c)), len(cells)


def _grade_column(grid: SheetGrid, col: int, start: int) -> dict[int, _Grade]:
    """Rows from ``start`` down one column holding worded grades without a gap (grades run down the rows)."""
    found: dict[int, _Grade] = {}
    r = start
    while (g := _grade(grid.value(r, col))) is not None and g.worded:
        found[r] = g
        r += 1
    if len(found) < 3 or not _monotonic([found[r].grade for r in sorted(found)]):
        return {}
    nums, filled = _numeric_share(grid.cell(r, c) for r in found for c in range(col + 1, grid.max_col + 1))
    return found if nums and nums >= 0.8 * filled else {}


def _title_above(grid: SheetGrid, top: int, floor: int) -> tuple[str | None, str | None, int]:
    """The first text row above ``top`` (not above ``floor``) that is neither numbers nor a completion row."""
    for r in range(top - 1, max(floor, top - 5), -1):
        cells = {c: cell for c, cell in grid.cells.get(r, {}).items() if cell.text}
        if not cells:
            continue
        joined = " ".join(" ".join(cells[c].text.split()) for c in sorted(cells))
        has_number = any(_is_num(cell) for cell in cells.values()) or re.search(r"\d+\s*(?:of|/)\s*\d+", joined)
        if has_number and _completion_kind(joined):
            continue
        if has_number and any(_is_num(cell) for cell in cells.values()):
            break
        return joined, a1(r, min(cells)), r
    return None, None, top


def _completion_kind(label: str) -> str | None:
    t = _norm(label)
    if not re.search(r"\b(audits?|cases?|files?)\b", t) and not t.startswith("completion"):
        return None
    if re.search(r"\bcompletion\b", t):
        return "rate"
    if re.search(r"\b(due|expected|requested|possible|allocated|required|to be completed|scheduled)\b", t):
        return "due"
    if re.search(r"\b(completed|done|returned|received|carried out|undertaken)\b", t):
        return "done"
    return None


def _is_total(label: str) -> bool:
    return _norm(label) in {"total", "totals", "all", "average", "mean", "overall total", "grand total"}


def _read_counts(grid: SheetGrid, r: int, c: int, name: str, findings: list[Finding]) -> tuple[int, str]:
    cell = a1(r, c)
    n = _count(grid.cell(r, c))
    if n is None:
        findings.append(error("audit-count-invalid", grid.name, cell, r,
                              f"{where(grid.name, cell)} holds '{grid.text(r, c)}' as a count for '{name}'; "
                              f"counts are whole numbers of cases (0 or more). Not counted."))
        n = 0
    return n, cell


def _conflicts(grid: SheetGrid, header: dict, positions: Iterable[tuple[int, int]], findings: list[Finding]) -> None:
    for (r, c) in positions:
        g = header[(r, c)]
        if g.conflict:
            cell = a1(r, c)
            findings.append(warning("audit-grade-invalid", grid.name, cell, r,
                                    f"{where(grid.name, cell)} reads '{grid.text(r, c)}': the number and the "
                                    f"word name different grades; grade {g.grade} ({GRADES[g.grade]}) is used."))


def _indicator_rows(grid: SheetGrid, hr: int, cols: dict[int, _Grade],
                    findings: list[Finding]) -> AuditTable | None:
    label_col = next((c for c in range(min(cols) - 1, 0, -1)
                      if any(_is_label(grid.cell(r, c)) for r in range(hr + 1, hr + 4))), None)
    if label_col is None:
        return None
    head_texts = grid.row_texts(hr)
    indicators: list[AuditIndicator] = []
    r, last = hr + 1, hr
    while r <= grid.max_row:
        label = " ".join(grid.text(r, label_col).split())
        filled = [c for c in cols if grid.text(r, c)]
        if not label and not filled:
            break
        if _grade_header(grid, r):
            if grid.row_texts(r) == head_texts:        # the header repeated on a new page
                last, r = r, r + 1
                continue
            break
        if _completion_kind(label) or _is_total(label):
            last, r = r, r + 1
            continue
        if not filled or not label:
            break
        if not any(_is_num(grid.cell(r, c)) for c in filled) and not any(_count(grid.cell(r, c)) == 0 for c in filled):
            break
        counts, cells = {}, {}
        for c, g in cols.items():
            counts[g.grade], cells[g.grade] = _read_counts(grid, r, c, label, findings)
        indicators.append(AuditIndicator(label, counts, a1(r, label_col), r, cells))
        last, r = r, r + 1
    if not indicators:
        return None
    _conflicts(grid, {(hr, c): g for c, g in cols.items()}, [(hr, c) for c in cols], findings)
    return AuditTable(grid.name, None, a1(hr, label_col), "indicator_rows",
                      tuple(sorted(g.grade for g in cols.values())), indicators, top=hr, bottom=last)


def _grade_rows(grid: SheetGrid, col: int, rows: dict[int, _Grade],
                findings: list[Finding]) -> AuditTable | None:
    first = min(rows)
    hr = next((r for r in range(first - 1, max(0, first - 4), -1)
               if any(_is_label(grid.cell(r, c)) for c in range(col + 1, grid.max_col + 1))), None)
    if hr is None:
        return None
    indicators: list[AuditIndicator] = []
    started = False
    for c in range(col + 1, grid.max_col + 1):
        name = " ".join(grid.text(hr, c).split())
        values = [grid.cell(r, c) for r in rows]
        if not name and not any(v.text for v in values):
            if started:
                break
            continue
        if not name or _is_total(name) or not _is_label(grid.cell(hr, c)):
            continue
        if values and not any(_is_num(v) for v in values) and any(v.text for v in values):
            continue
        started = True
        counts, cells = {}, {}
        for r, g in rows.items():
            counts[g.grade], cells[g.grade] = _read_counts(grid, r, c, name, findings)
        indicators.append(AuditIndicator(name, counts, a1(hr, c), hr, cells))
    if not indicators:
        return None
    _conflicts(grid, {(r, col): g for r, g in rows.items()}, [(r, col) for r in rows], findings)
    return AuditTable(grid.name, None, a1(hr, col), "grade_rows",
                      tuple(sorted(g.grade for g in rows.values())), indicators, top=hr, bottom=max(rows))


def _case_grade(cell: GridCell) -> tuple[str, int | None]:
    """('grade', n) | ('skip', None) for blank or n/a | ('invalid', None)."""
    if not cell.text:
        return "skip", None
    if cell.text.casefold() in _NOT_GRADED:
        return "skip", None
    g = _grade(cell.value)
    return ("grade", g.grade) if g is not None and not g.conflict else ("invalid", None)


def _per_case(grid: SheetGrid, hr: int, used: set[int], findings: list[Finding]) -> AuditTable | None:
    """One row per audited case under a header of indicator names, a grade per indicator."""
    head = {c: " ".join(cell.text.split()) for c, cell in grid.cells.get(hr, {}).items()
            if isinstance(cell.value, str) and _is_label(cell)}
    if len(head) < 3:
        return None
    rows = []
    r = hr + 1
    while r <= grid.max_row and r not in used and any(grid.text(r, c) for c in head):
        rows.append(r)
        r += 1
    if len(rows) < 2:
        return None
    def mostly_grades(c: int, sample: list[int]) -> bool:
        marked = [k for r in sample if (k := _case_grade(grid.cell(r, c))[0]) != "skip"]
        return bool(marked) and marked.count("grade") >= 0.8 * len(marked)

    graded = [c for c in sorted(head) if mostly_grades(c, rows[:10])]      # a cheap look first
    graded = [c for c in graded if mostly_grades(c, rows)] if len(graded) >= 3 else []
    if len(graded) < 3:
        return None
    case_col = next((c for c in sorted(head) if c < min(graded) and c not in graded), None)
    indicators = {c: AuditIndicator(head[c], {g: 0 for g in GRADES}, a1(hr, c), hr) for c in graded}
    cases = 0
    for r in rows:
        if case_col and _is_total(grid.text(r, case_col)):
            continue
        cases += 1
        for c in graded:
            kind, g = _case_grade(grid.cell(r, c))
            if kind == "grade":
                indicators[c].counts[g] += 1
            elif kind == "invalid":
                cell = a1(r, c)
                findings.append(error("audit-grade-invalid", grid.name, cell, r,
                                      f"{where(grid.name, cell)} grades '{head[c]}' as '{grid.text(r, c)}'; grades "
                                      f"are 0 Missing, 1 Poor, 2 Satisfactory, 3 Good, 4 Outstanding. Not counted."))
    seen = {g for i in indicators.values() for g, n in i.counts.items() if n}
    grades = tuple(sorted({0, 1, 2, 3} | (seen & {4})))
    for ind in indicators.values():
        ind.counts = {g: ind.counts[g] for g in grades}
    return AuditTable(grid.name, None, a1(hr, min(head)), "per_case", grades, list(indicators.values()),
                      cases=cases, top=hr, bottom=rows[-1])


def _rows_above_in_block(grid: SheetGrid, row: int) -> int:
    """How many non-blank rows run on directly above ``row``: a case header sits near the top of its block."""
    n = 0
    while n < 3 and grid.row_texts(row - n - 1):
        n += 1
    return n


def _completion(grid: SheetGrid, rows: Iterable[int]) -> tuple[tuple[int, int] | None, str | None]:
    done = due = None
    cell_at = None
    for r in rows:
        cells = sorted(grid.cells.get(r, {}))
        for i, c in enumerate(cells):
            kind = _completion_kind(grid.text(r, c)) if not _is_num(grid.cell(r, c)) else None
            if not kind:
                continue
            rest = [grid.cell(r, k) for k in cells[i + 1:]]
            pair = re.search(r"(\d+)\s*(?:of|/|out of)\s*(\d+)", " ".join([grid.text(r, c)] + [x.text for x in rest]))
            number = next((n for x in rest if _is_num(x) and (n := _count(x)) is not None), None)
            if pair and kind in ("rate", "done"):
                done, due, cell_at = int(pair.group(1)), int(pair.group(2)), a1(r, c)
            elif kind == "due" and number is not None:
                due, cell_at = number, cell_at or a1(r, c)
            elif kind == "done" and number is not None:
                done, cell_at = number, a1(r, c)
            break
    if done is None or due is None:
        return None, None
    return (done, due), cell_at


def read_audits(grid: SheetGrid) -> tuple[list[AuditTable], list[Finding]]:
    """Every audit table on the sheet, top to bottom, with its title and completion rows.

    Grade headers are recognised by number and/or word (``0=MISSING``, ``1 Poor``,
    ``Inadequate``, ``Requires improvement``, ``3=GOOD``, ``Outstanding``), at
    least three of them in grade order, along a row (indicators down the
    rows) or down a column (indicators across the columns).  Bare numbers
    0-4 head grade columns only beside an ``Indicator``-like header.  A sheet
    with neither is read as one row per audited case if at least three
    columns hold grades.  A blank count is 0; ``Audits due`` /
    ``Audits completed`` (or ``52 of 86``) rows between a table and the next
    give its completion rate.
    """
    findings: list[Finding] = []
    tables: list[AuditTable] = []
    used: set[int] = set()
    for r in grid.rows():
        if r in used:
            continue
        table = None
        cols = _grade_header(grid, r)
        if cols:
            table = _indicator_rows(grid, r, cols, findings)
        if table is None:
            for c in sorted(grid.cells.get(r, {})):
                rows = _grade_column(grid, c, r)
                if rows and (table := _grade_rows(grid, c, rows, findings)):
                    break
        if table:
            tables.append(table)
            used.update(range(table.top, table.bottom + 1))
    if not tables:
        for r in grid.rows():
            if r in used or _rows_above_in_block(grid, r) > 2:
                continue
            if table := _per_case(grid, r, used, findings):
                tables.append(table)
                used.update(range(table.top, table.bottom + 1))
    tables.sort(key=lambda t: t.top)
    floor = 0
    for t in tables:
        t.title, t.title_cell, title_row = _title_above(grid, t.top, floor)
        if t.title is None:
            corner = grid.text(*split_a1(t.cell))
            if corner and _norm(corner) not in _HEADER_WORDS and not _completion_kind(corner):
                t.title, t.title_cell = " ".join(corner.split()), t.cell
        t.top = min(t.top, title_row)
        floor = t.bottom
    for i, t in enumerate(tables):
        start = t.top if i else 1
        end = tables[i + 1].top - 1 if i + 1 < len(tables) else grid.max_row
        t.completion, t.completion_cell = _completion(grid, range(start, end + 1))
        if t.completion and t.completion[0] > t.completion[1]:
            r = split_a1(t.completion_cell)[0]
            findings.append(warning("audit-count-invalid", grid.name, t.completion_cell, r,
                                    f"{where(grid.name, t.completion_cell)}: {t.completion[0]} audits completed "
                                    f"is more than the {t.completion[1]} due."))
    return tables, findings


def looks_like_audit_table(grid: SheetGrid) -> float:
    """Confidence (0-1) that the sheet holds case-file audit grades.

    Grade-header tables score high; a per-case layout is weaker evidence and
    needs audit words nearby (audit, case, indicator names) to score well.
    """
    tables, _ = read_audits(grid)
    if not tables:
        return 0.0
    counted = any(t.layout != "per_case" for t in tables)
    score = 0.8 if counted else 0.5
    text = (grid.name + " " + " ".join(t.title or "" for t in tables) + " "
            + " ".join(i.name for t in tables for i in t.indicators)).casefold()
    if "audit" in text:
        score += 0.15
    if re.search(r"assessment|plan|review|oversight|supervision|outcome|engagement|voice", text):
        score += 0.05 if counted else 0.25
    return round(min(1.0, score), 3)


# --------------------------------------------------------------------------- roll-up

def _pct(n: int, d: int) -> float | None:
    return n / d * 100 if d else None


def _indicator_dict(ind: AuditIndicator, sheet: str) -> dict:
    counts = {name: ind.counts.get(g, 0) for g, name in GRADES.items()}
    cases = sum(counts.values())
    graded = cases - counts["missing"]
    weighted = sum(g * ind.counts.get(g, 0) for g in GRADES if g)
    return {
        "indicator": ind.name,
        "cases": cases,
        "counts": counts,
        "pct": {name: _pct(n, cases) for name, n in counts.items()},
        "pct_good_or_better": _pct(counts["good"] + counts["outstanding"], cases),
        "mean_grade": weighted / graded if graded else None,
        "graded": graded,
        "sheet": sheet,
        "cell": ind.cell,
        "change": None,
    }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _earlier(tables: list[AuditTable], i: int) -> int | None:
    """The previous audit of the same indicators: the latest earlier date in a title, else the nearest table above.

    Tables share indicators when at least half of the smaller set of names
    agree; among candidates, one whose title is the same apart from its dates
    is preferred (the March and December under-11s audits, say).
    """
    me = tables[i]
    mine = {_indicator_key(x.name) for x in me.indicators}

    def shares(t: AuditTable) -> bool:
        theirs = {_indicator_key(x.name) for x in t.indicators}
        common = len(mine & theirs)
        return common > 0 and common * 2 >= min(len(mine), len(theirs))

    def prefer_same_title(cands: list[int]) -> list[int]:
        key = _title_key(me.title)
        same = [j for j in cands if key and _title_key(tables[j].title) == key]
        return same or cands

    others = [j for j, t in enumerate(tables) if j != i and shares(t)]
    if me.date:
        dated = prefer_same_title([j for j in others if tables[j].date and (tables[j].date, j) < (me.date, i)])
        if dated:
            return max(dated, key=lambda j: (tables[j].date, j))
    above = prefer_same_title([j for j in others if j < i
                               and not (me.date and tables[j].date and tables[j].date > me.date)])
    return max(above) if above else None


def audit_rollup(tables: list[AuditTable]) -> tuple[list[dict], list[Finding]]:
    """Per table and indicator: cases, counts and shares of each grade (over all cases), good-or-better, mean grade.

    ``mean_grade`` is over graded cases (Missing left out); shares are 0-100,
    unrounded.  Each table is compared with the previous audit of the same
    indicators in the workbook (``tables`` in workbook order): ``change``
    holds the differences (percentage points, grade points).
    """
    findings: list[Finding] = []
    out = []
    for t in tables:
        indicators = [_indicator_dict(x, t.sheet) for x in t.indicators]
        if indicators and not any(x["cases"] for x in indicators):
            findings.append(warning("audit-table-empty", t.sheet, t.cell, None,
                                    f"The audit table at {where(t.sheet, t.cell)} has no graded cases."))
        done_due = t.completion
        out.append({
            "sheet": t.sheet,
            "title": t.title,
            "cell": t.cell,
            "title_cell": t.title_cell,
            "layout": t.layout,
            "date": t.date.isoformat() if t.date else None,
            "grades": list(t.grades),
            "cases": t.cases if t.cases is not None else max((x["cases"] for x in indicators), default=0),
            "completion": None if not done_due else {
                "done": done_due[0], "due": done_due[1], "pct": _pct(*done_due), "cell": t.completion_cell},
            "indicators": indicators,
            "compared_with": None,
        })
    for i, row in enumerate(out):
        j = _earlier(tables, i)
        if j is None:
            continue
        prev = {_indicator_key(x["indicator"]): x for x in out[j]["indicators"]}
        row["compared_with"] = {"sheet": out[j]["sheet"], "title": out[j]["title"], "cell": out[j]["cell"],
                                "date": out[j]["date"]}
        for ind in row["indicators"]:
            before = prev.get(_indicator_key(ind["indicator"]))
            if before is None:
                continue
            ind["change"] = {
                "against": out[j]["title"],
                "cases": ind["cases"] - before["cases"],
                "pct_good_or_better": _diff(ind["pct_good_or_better"], before["pct_good_or_better"]),
                "mean_grade": _diff(ind["mean_grade"], before["mean_grade"]),
                "pct": {g: _diff(ind["pct"][g], before["pct"][g]) for g in GRADES.values()},
            }
    return out, findings


# --------------------------------------------------------------------------- the Audits sheet

def _ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"'{SHEET_NAME}'!${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"


def _frac(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def audits_sheet(rollup: list[dict], *, as_of: date, source: str) -> SheetSpec:
    """The ``Audits`` sheet: per audit, indicators x grade counts and shares, good or better, mean grade,
    change since the previous audit, and a 100% stacked bar chart drawn from the counts on this sheet."""
    spec = SheetSpec(SHEET_NAME, page_header=f"ehxl case-file audits - as of {as_of:%d %b %Y}",
                     widths={1: 44, 2: 8})
    spec.add_row(Cell("Case-file audits", "title"))
    spec.add_row(Cell(f"As of {as_of:%d %b %Y} - source: {source}", "subtitle"))
    spec.add_row(Cell("Shares are of all audited cases, Missing included; good or better = Good + Outstanding; "
                      "mean grade is over graded cases (Missing left out). Change is against the previous "
                      "audit of the same indicators.", "note"))
    if not rollup:
        spec.add_row(Cell("No case-file audit tables were found.", "note"))
        return spec
    for table in rollup:
        spec.blank()
        _table_block(spec, table)
    return spec


def _table_block(spec: SheetSpec, table: dict) -> None:
    grades = table["grades"] or [0, 1, 2, 3]
    names = [GRADES[g] for g in grades]
    title = table["title"] or f"Audit at {where(table['sheet'], table['cell'])}"
    first_row = spec.add_row(Cell(title, "bold"), Cell(
        f"from {where(table['sheet'], table['cell'])}", "link", where(table["sheet"], table["cell"])))
    if table["completion"]:
        c = table["completion"]
        spec.add_row(Cell("Audits completed / due / completion rate", "text"), Cell(c["done"], "int"),
                     Cell(c["due"], "int"), Cell(_frac(c["pct"]), "pct"))
    if table["compared_with"]:
        spec.add_row(Cell(f"Change against: {table['compared_with']['title'] or 'the audit above'} "
                          f"({where(table['compared_with']['sheet'], table['compared_with']['cell'])})", "note"))
    header = ([Cell("Indicator", "header"), Cell("Cases", "header")]
              + [Cell(n.capitalize(), "header") for n in names]
              + [Cell(f"% {n.capitalize()}", "header") for n in names]
              + [Cell("% Good or better", "header"), Cell("Mean grade", "header"),
                 Cell("Change in % good or better (points)", "header"), Cell("Change in mean grade", "header")])
    head = spec.add_row(*header)
    for ind in table["indicators"]:
        change = ind["change"] or {}
        spec.add_row(Cell(ind["indicator"], "link", where(ind["sheet"], ind["cell"])), Cell(ind["cases"], "int"),
                     *(Cell(ind["counts"][n], "int") for n in names),
                     *(Cell(_frac(ind["pct"][n]), "pct") for n in names),
                     Cell(_frac(ind["pct_good_or_better"]), "pct"), Cell(ind["mean_grade"], "decimal1"),
                     Cell(change.get("pct_good_or_better"), "decimal1"), Cell(change.get("mean_grade"), "decimal1"))
    first, last = head + 1, head + len(table["indicators"])
    for col in range(3, len(header) + 1):
        spec.widths.setdefault(col, 12)
    if table["indicators"]:
        series = tuple(Series(n.capitalize(), _ref(first, 1, last, 1), _ref(first, 3 + k, last, 3 + k))
                       for k, n in enumerate(names))
        rows_tall = max(12, len(table["indicators"]) + 6)
        spec.charts.append(Chart("bar_stacked_100", title, series, anchor=a1(first_row, len(header) + 2),
                                 size=(9, rows_tall)))
        while len(spec.rows) < first_row + rows_tall:
            spec.blank()
