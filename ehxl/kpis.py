"""Quarterly KPI tables: measures down the side, quarters across the top.

Staff keep these as the council reports print them: a title, sometimes a row of
financial years ("2013-14 | 2014-15") above the quarter-end dates, then one row
per measure ("Case Type").  Values are counts, ratios written "51/273" (a rate
follows), percentages, placeholders ("Awaiting data") and the official
statistics markers ``c`` (suppressed) and ``:`` (not available).  A header ehxl
cannot read as a quarter is reported and its column left out: a quarter is never
guessed.

Rates and shares are carried as percentages (0-100), unrounded.  Financial years
run April-March and are written "2014-15".  Year figures: a count is the sum of
its four quarters (null unless all four are present, as the reports' "213 more
CIN cases over 2015-16" is 6838 - 6625); a ratio is pooled over the quarters
present (sum of numerators over sum of denominators); a percentage is the mean
of the quarters present.

Reading findings come from :func:`read_kpi_table`; :func:`kpi_rollup` adds the
published-rate and target checks; :func:`cross_check` compares tables from
different sheets (call it separately: ``kpi_rollup`` does not).
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

from .findings import Finding, error, warning, where
from .grid import SheetGrid, a1, column_letter, split_a1
from .report import Cell, Chart, Series, SheetSpec

#: A published rate may differ from numerator/denominator by this much (percentage points):
#: the reports print rates truncated to one decimal (51/273 = 18.68% is printed 18.6%).
PUBLISHED_TOLERANCE_PP = 0.1
HEADER_SEARCH_ROWS = 30
ARROWS = {"up": "▲", "down": "▼", "level": "►"}
POLARITIES = ("higher", "lower", "closer")

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Value:
    """One cell's figure.  ``value`` is None when missing; ``missing_reason`` says why.

    ``form`` is ``number``, ``ratio`` or ``percent`` for a figure, None when missing.
    Missing reasons: ``blank``, ``placeholder`` ("Awaiting data"), ``suppressed`` (c),
    ``not-available`` (:), ``not-applicable`` ([z]), ``zero-denominator``, ``unreadable``.
    """

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    missing_reason: str | None = None
    form: str | None = None
    published: float | None = None   # a rate written beside a ratio: "51/273 (18.7%)"
    text: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Point:
    """A measure's value at one quarter end, and where it was read."""

    period_end: date
    value: Value
    cell: str
    published: Value | None = None    # the published-rate row's figure for this quarter
    published_cell: str | None = None


@dataclass
class Measure:
    """One row of a KPI table."""

    sheet: str
    name: str
    row: int
    kind: str                          # count | ratio | percent
    points: list[Point] = field(default_factory=list)
    label_cell: str = ""
    published_name: str | None = None  # e.g. "Escalation %" under "Escalated to Social Care"
    published_row: int | None = None


@dataclass(frozen=True)
class Target:
    """What a measure should reach.  Units are the measure's own (percent 0-100 for rates).

    ``tolerance`` is absolute, in the same units: within it on the wrong side is amber.
    ``polarity``: ``higher`` or ``lower`` is better, or ``closer`` to target is better
    (green only when on target to one decimal place, amber within tolerance).
    ``target`` may be None when only a polarity is known (trend without RAG).
    """

    measure: str
    target: float | None
    tolerance: float = 0.0
    polarity: str = "higher"
    sheet: str | None = None
    cell: str | None = None

# ------------------------------------------------------------------ quarters and years


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _is_quarter_end(d: date) -> bool:
    return d.month in (3, 6, 9, 12) and d.day == monthrange(d.year, d.month)[1]


def _fy_start(d: date) -> int:
    return d.year if d.month >= 4 else d.year - 1


def _fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_year(d: date) -> str:
    """The financial year (April-March) a date falls in: 2015-03-31 -> '2014-15'."""
    return _fy_label(_fy_start(d))


def fy_quarter(d: date) -> int:
    """1 for a quarter ending in June ... 4 for one ending in March."""
    return {6: 1, 9: 2, 12: 3, 3: 4}[d.month]


def fy_quarter_end(start_year: int, quarter: int) -> date:
    """Q3 of 2020-21 -> 2020-12-31."""
    return (date(start_year, 6, 30), date(start_year, 9, 30), date(start_year, 12, 31),
            date(start_year + 1, 3, 31))[quarter - 1]


def shift_quarters(d: date, n: int) -> date:
    """The quarter end ``n`` quarters after (or before, if negative) a quarter end."""
    months = d.year * 12 + (d.month - 1) + 3 * n
    return _month_end(months // 12, months % 12 + 1)


def quarter_label(d: date) -> str:
    return f"Q{fy_quarter(d)} {financial_year(d)}"

# ------------------------------------------------------------------------ periods

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_FY = r"(?:FY\s*)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})"
_Q = r"(?:Q|Qtr\.?|Quarter)\s*([1-4])"
_RE_Q_FY = re.compile(rf"^{_Q}\s*[,:\-–]?\s*{_FY}$", re.I)
_RE_FY_Q = re.compile(rf"^{_FY}\s*[,:\-–]?\s*{_Q}$", re.I)
_RE_FY = re.compile(rf"^{_FY}$", re.I)
_RE_Q_ONLY = re.compile(rf"^{_Q}$", re.I)
_RE_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d+)$")
_RE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_RE_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/]*([A-Za-z]+)\.?[\s\-/,]*(\d{4}|\d{2})$")
_RE_MON_Y = re.compile(r"^([A-Za-z]+)\.?[\s\-/,']*(\d{4}|\d{2})$")
_RE_MON_RANGE_Y = re.compile(r"^([A-Za-z]+)\.?\s*(?:-|–|to)\s*([A-Za-z]+)\.?[\s\-/,']*(\d{4}|\d{2})$", re.I)


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip().rstrip(".").strip()
    return re.sub(r"^(?:as at|as of|at)\s+", "", text, flags=re.I)


def _month(word: str) -> int | None:
    w = word.lower()
    if len(w) < 3:
        return None
    for i, name in enumerate(_MONTHS, start=1):
        if name.startswith(w):
            return i
    return None


def _year(text: str) -> int | None:
    """'2014' -> 2014, '14' -> 2014 (two-digit years are 20xx); '214' -> None."""
    if len(text) == 4:
        return int(text)
    if len(text) == 2:
        return 2000 + int(text)
    return None


def parse_fy(value: object) -> int | None:
    """The start year of a financial-year label: '2014-15', '2014/15', '14/15', 'FY 2014/2015'."""
    if not isinstance(value, str):
        return None
    m = _RE_FY.match(_clean(value))
    return _fy_start_of(m.group(1), m.group(2)) if m else None


def _fy_start_of(first: str, second: str) -> int | None:
    start = _year(first)
    if start is None:
        return None
    end = int(second) if len(second) == 4 else None
    if end is not None:
        return start if end == start + 1 else None
    return start if len(second) == 2 and int(second) == (start + 1) % 100 else None


def _shows_month_only(number_format: str | None) -> bool:
    """True for formats such as 'mmm-yy' that show a month and year but no day."""
    if not number_format:
        return False
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]', "", number_format.lower())
    return "m" in fmt and "y" in fmt and "d" not in fmt


def _quarter_end_or_none(d: date | None) -> date | None:
    return d if d is not None and _is_quarter_end(d) else None


def _safe_date(y: int | None, m: int | None, d: int) -> date | None:
    if y is None or m is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_period(value: object, number_format: str | None = None) -> date | None:
    """The quarter end a header names, or None when it cannot be read as one.

    Reads real date cells, '30/06/2014', '30/06/14', '2014-06-30', '30 June 2014',
    'Q1 2014/15', '2014-15 Q1', 'Quarter 1 2014-15', 'Jun-14', 'June 2014', 'Apr-Jun 2014'.
    A date that is not a quarter end, a three-digit year ('31/12/213') and a quarter
    without a financial year ('Q1 2014': calendar or financial?) are not read.
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if _shows_month_only(number_format):
            value = _month_end(value.year, value.month)
        return _quarter_end_or_none(value)
    if not isinstance(value, str):
        return None
    text = _clean(value)
    for rx, q_group, fy_groups in ((_RE_Q_FY, 1, (2, 3)), (_RE_FY_Q, 3, (1, 2))):
        m = rx.match(text)
        if m:
            start = _fy_start_of(m.group(fy_groups[0]), m.group(fy_groups[1]))
            return fy_quarter_end(start, int(m.group(q_group))) if start is not None else None
    m = _RE_DMY.match(text)
    if m:
        return _quarter_end_or_none(_safe_date(_year(m.group(3)), int(m.group(2)), int(m.group(1))))
    m = _RE_ISO.match(text)
    if m:
        return _quarter_end_or_none(_safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = _RE_D_MON_Y.match(text)
    if m:
        return _quarter_end_or_none(_safe_date(_year(m.group(3)), _month(m.group(2)), int(m.group(1))))
    m = _RE_MON_Y.match(text)
    if m:
        month, year = _month(m.group(1)), _year(m.group(2))
        return _quarter_end_or_none(_month_end(year, month)) if month and year else None
    m = _RE_MON_RANGE_Y.match(text)
    if m:
        first, last, year = _month(m.group(1)), _month(m.group(2)), _year(m.group(3))
        if first and last and year and (last - first) % 12 == 2:
            return _quarter_end_or_none(_month_end(year, last))
    return None


def _split_period(text: str, fy_start: int | None) -> date | None:
    """A bare 'Q1' or 'Jun' header completed by the financial year written above it."""
    if fy_start is None:
        return None
    text = _clean(text)
    m = _RE_Q_ONLY.match(text)
    if m:
        return fy_quarter_end(fy_start, int(m.group(1)))
    month = _month(text) if text.isalpha() else None
    if month in (6, 9, 12):
        return _month_end(fy_start, month)
    if month == 3:
        return _month_end(fy_start + 1, 3)
    return None

# ------------------------------------------------------------------------- values

_MARKERS = {"c": "suppressed", "[c]": "suppressed", ":": "not-available", "..": "not-available",
            "[x]": "not-available", "[z]": "not-applicable"}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.?\d+"
_RE_NUMBER = re.compile(rf"^([-+]?(?:{_NUM}))$")
_RE_PERCENT = re.compile(rf"^([-+]?(?:{_NUM}))\s*%$")
_RE_RATIO = re.compile(rf"^({_NUM})\s*(?:/|of|out of)\s*({_NUM})$", re.I)
_RE_RATIO_PCT = re.compile(rf"^({_NUM})\s*/\s*({_NUM})\s*\(\s*({_NUM})\s*%\s*\)$")
_RE_PCT_RATIO = re.compile(rf"^({_NUM})\s*%\s*\(\s*({_NUM})\s*/\s*({_NUM})\s*\)$")


def _f(text: str) -> float:
    return float(text.replace(",", ""))


def _tidy(x: float | None) -> float | int | None:
    """Whole numbers as int so counts read 683, not 683.0."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def _ratio(num: float, den: float, text: str, published: float | None = None) -> Value:
    if den == 0:
        return Value(None, num, den, "zero-denominator", None, published, text)
    return Value(num / den * 100, num, den, None, "ratio", published, text)


def parse_value(value: object, number_format: str | None = None) -> Value:
    """A cell's figure: 683, '1,031', '51/273' (the rate, in percent), '18.60%', 0.186 formatted
    as a percentage, or a missing value with its reason ('Awaiting data', 'c', ':')."""
    if value is None:
        return Value(None, missing_reason="blank")
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        return Value(None, missing_reason="unreadable", text=str(value))
    if isinstance(value, (int, float)):
        if number_format and "%" in number_format:
            return Value(float(value) * 100, form="percent", text=str(value))
        return Value(float(value), form="number", text=str(value))
    text = " ".join(str(value).replace("\xa0", " ").split())
    if not text:
        return Value(None, missing_reason="blank")
    if text.lower() in _MARKERS:
        return Value(None, missing_reason=_MARKERS[text.lower()], text=text)
    if m := _RE_NUMBER.match(text):
        return Value(_f(m.group(1)), form="number", text=text)
    if m := _RE_PERCENT.match(text):
        return Value(_f(m.group(1)), form="percent", text=text)
    if m := _RE_RATIO.match(text):
        return _ratio(_f(m.group(1)), _f(m.group(2)), text)
    if m := _RE_RATIO_PCT.match(text):
        return _ratio(_f(m.group(1)), _f(m.group(2)), text, _f(m.group(3)))
    if m := _RE_PCT_RATIO.match(text):
        return _ratio(_f(m.group(2)), _f(m.group(3)), text, _f(m.group(1)))
    reason = "unreadable" if re.search(r"\d", text) or text.startswith("#") else "placeholder"
    return Value(None, missing_reason=reason, text=text)

# ---------------------------------------------------------------------- the table

_NOT_PERIOD_WORDS = ("target", "tolerance", "polarity", "note", "comment", "trend", "rag", "total",
                     "ytd", "year to date", "baseline", "average", "mean", "direction", "change",
                     "variance", "status", "source", "commentary", "benchmark", "england", "national",
                     "statistical neighbour", "unit", "definition", "frequency")
_LABEL_WORDS = ("measure", "case type", "indicator", "kpi", "performance indicator", "metric", "description")


@dataclass
class _Header:
    row: int
    label_col: int
    periods: dict[int, date]
    findings: list[Finding]
    attempts: int              # columns that tried to be a period (read or not)


def _fy_above(grid: SheetGrid, row: int, col: int, *, spanning: bool) -> tuple[int | None, str | None]:
    """The financial year written above a header cell: the cell itself, a merged cell over it,
    or (``spanning``) the nearest year label to its left."""
    for above in (row - 1, row - 2):
        if above < 1:
            break
        text = grid.text(above, col)
        for top, left, bottom, right in grid.merged:
            if top <= above <= bottom and left <= col <= right:
                text = grid.text(top, left)
        if not text and spanning:
            for c in range(col - 1, 0, -1):
                if grid.text(above, c):
                    text = grid.text(above, c)
                    break
        start = parse_fy(text) if text else None
        if start is not None:
            return start, a1(above, col)
        if grid.row_texts(above):
            break
    return None, None


def _is_not_period_word(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in _NOT_PERIOD_WORDS) and not re.search(r"\d", low)


def _read_header(grid: SheetGrid, row: int) -> _Header | None:
    """The quarter columns of a candidate header row, with findings for headers not read."""
    cells = grid.cells.get(row, {})
    parsed: dict[int, date] = {}
    for col in sorted(cells):
        cell = cells[col]
        if not cell.text:
            continue
        d = parse_period(cell.value, cell.number_format)
        if d is None and isinstance(cell.value, str):
            d = _split_period(cell.value, _fy_above(grid, row, col, spanning=True)[0])
        if d is not None:
            parsed[col] = d
    if not parsed:
        return None
    first = min(parsed)
    labels = [c for c in cells if c < first and cells[c].text and not re.search(r"\d", cells[c].text)]
    label_col = max(labels) if labels else _label_column(grid, row, first)
    findings: list[Finding] = []
    periods: dict[int, date] = {}
    seen: dict[date, int] = {}
    attempts = 0
    for col in sorted(cells):
        text = cells[col].text
        if col <= label_col or not text:
            continue
        d = parsed.get(col)
        if d is None:
            if parse_fy(text) is not None or _is_not_period_word(text):
                continue
            attempts += 1
            findings.append(error(
                "period-unparsed", grid.name, a1(row, col), row,
                f"{where(grid.name, a1(row, col))}: the header '{text}' is not a quarter end ehxl can read "
                f"(such as 30/06/2014, Q1 2014/15 or Jun-14); its column is left out."))
            continue
        attempts += 1
        if d in seen:
            findings.append(error(
                "period-duplicate", grid.name, a1(row, col), row,
                f"{where(grid.name, a1(row, col))}: {d:%d/%m/%Y} is already the header of column "
                f"{column_letter(seen[d])}; this column is left out."))
            continue
        seen[d] = col
        periods[col] = d
        fy, fy_cell = _fy_above(grid, row, col, spanning=False)
        if fy is not None and _fy_start(d) != fy and isinstance(cells[col].value, (str, date, datetime)) \
                and not _RE_Q_ONLY.match(_clean(str(cells[col].value))):
            findings.append(warning(
                "period-year-mismatch", grid.name, a1(row, col), row,
                f"{where(grid.name, a1(row, col))}: {d:%d/%m/%Y} falls in {financial_year(d)} but sits under "
                f"'{_fy_label(fy)}' ({fy_cell}); check the header."))
    return _Header(row, label_col, periods, findings, attempts)


def _label_column(grid: SheetGrid, header_row: int, first_period_col: int) -> int:
    """Where measure names are when the header has no label: the leftmost column with text below."""
    for col in range(1, first_period_col):
        if any(grid.text(r, col) for r in grid.rows() if r > header_row):
            return col
    return max(1, first_period_col - 1)


def _find_header(grid: SheetGrid) -> _Header | None:
    best: _Header | None = None
    for row in grid.rows():
        if row > HEADER_SEARCH_ROWS:
            break
        header = _read_header(grid, row)
        if header and len(header.periods) >= 2 and (best is None or len(header.periods) > len(best.periods)):
            best = header
    return best


def _signals_percent(name: str) -> bool:
    low = name.lower()
    return "%" in low or "percent" in low


def _stems(name: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", name.lower()) if len(w) >= 5}


@dataclass
class _Row:
    row: int
    name: str
    values: dict[int, Value]
    kind: str = "count"


def _row_kind(name: str, values: Iterable[Value]) -> str:
    forms = {v.form for v in values if v.form}
    if "ratio" in forms:
        return "ratio"
    if "percent" in forms or _signals_percent(name):
        return "percent"
    return "count"


def _as_percent(values: dict[int, Value]) -> dict[int, Value]:
    """Plain numbers in a row named as a percentage: as written (0-100), or fractions if all <= 1."""
    numbers = [v.value for v in values.values() if v.form == "number"]
    scale = 100.0 if numbers and all(abs(x) <= 1 for x in numbers) else 1.0
    return {c: (Value(v.value * scale, form="percent", text=v.text) if v.form == "number" else v)
            for c, v in values.items()}


def _data_rows(grid: SheetGrid, header: _Header) -> list[_Row]:
    rows: list[_Row] = []
    for r in grid.rows():
        if r <= header.row:
            continue
        cells = {c: grid.cell(r, c) for c in header.periods}
        as_periods = [parse_period(cell.value, cell.number_format) for cell in cells.values() if cell.text]
        if sum(1 for p in as_periods if p) >= 2:
            if [parse_period(cells[c].value, cells[c].number_format) for c in header.periods] \
                    == list(header.periods.values()):
                continue          # the header repeated mid-table
            break                 # another table starts
        name = grid.text(r, header.label_col)
        if not name or not any(cell.text for cell in cells.values()):
            continue
        values = {c: parse_value(cell.value, cell.number_format) for c, cell in cells.items()}
        kind = _row_kind(name, values.values())
        if kind == "percent":
            values = _as_percent(values)
        rows.append(_Row(r, " ".join(name.split()), values, kind))
    return rows


def _is_published_rate(rate: _Row, ratio: _Row) -> bool:
    low = rate.name.lower().strip()
    generic = low in ("%", "rate", "percentage", "% rate", "rate (%)")
    return rate.kind == "percent" and ratio.kind == "ratio" and (generic or bool(_stems(rate.name) & _stems(ratio.name)))


def _reading_findings(grid: SheetGrid, row: _Row, header: _Header) -> list[Finding]:
    out: list[Finding] = []
    cols = sorted(header.periods, key=header.periods.get)
    for i, col in enumerate(cols):
        v = row.values[col]
        cell = a1(row.row, col)
        place = f"{where(grid.name, cell)} ({row.name}, {header.periods[col]:%d/%m/%Y})"
        if v.missing_reason == "unreadable":
            out.append(error("value-unparsed", grid.name, cell, row.row,
                             f"{place}: '{v.text}' is not a number, ratio (51/273) or percentage; left out."))
        elif v.missing_reason in ("placeholder", "zero-denominator"):
            why = f"'{v.text}'" if v.missing_reason == "placeholder" else f"'{v.text}' has a denominator of 0"
            out.append(warning("value-missing", grid.name, cell, row.row, f"{place}: {why}; no value for this quarter."))
        elif v.missing_reason == "blank" and any(row.values[c].missing_reason != "blank" for c in cols[i + 1:]):
            out.append(warning("value-missing", grid.name, cell, row.row,
                               f"{place}: blank, though later quarters have figures; no value for this quarter."))
    return out


def read_kpi_table(grid: SheetGrid) -> tuple[list[Measure], list[Finding]]:
    """The measures of a KPI table found anywhere in the first 30 rows, with reading findings:
    ``period-unparsed``, ``period-duplicate``, ``period-year-mismatch``, ``value-missing``,
    ``value-unparsed``.  A percentage row under a ratio row naming the same thing ("Escalation %"
    under "Escalated to Social Care") is kept as that measure's published rate."""
    header = _find_header(grid)
    if header is None:
        return [], []
    findings = list(header.findings)
    rows = _data_rows(grid, header)
    measures: list[Measure] = []
    order = sorted(header.periods, key=header.periods.get)
    prev_row: _Row | None = None
    for row in rows:
        last = measures[-1] if measures else None
        if last and prev_row and last.published_name is None and _is_published_rate(row, prev_row):
            last.published_name, last.published_row = row.name, row.row
            last.points = [Point(p.period_end, p.value, p.cell, row.values[c], a1(row.row, c))
                           for p, c in zip(last.points, order)]
            findings += [f for f in _reading_findings(grid, row, header) if f.rule == "value-unparsed"]
            prev_row = None
            continue
        findings += _reading_findings(grid, row, header)
        points = [Point(header.periods[c], row.values[c], a1(row.row, c)) for c in order]
        measures.append(Measure(grid.name, row.name, row.row, row.kind, points,
                                a1(row.row, header.label_col)))
        prev_row = row
    return measures, findings


def looks_like_kpi_table(grid: SheetGrid) -> float:
    """0..1: a header row of quarters (at least two read) with figures beneath scores 0.55 or more."""
    header = _find_header(grid)
    if header is None:
        return 0.0
    score = 0.45 + 0.05 * min(len(header.periods), 8)
    cells = [grid.cell(r, c) for r in grid.rows() if r > header.row for c in header.periods]
    filled = [parse_value(c.value, c.number_format) for c in cells if c.text]
    figures = [v for v in filled if v.missing_reason not in ("unreadable", "placeholder")
               or (v.missing_reason == "placeholder" and len(v.text) < 30)]   # prose is not a placeholder
    share = len(figures) / len(filled) if filled else 0.0
    score += 0.1 * share
    if grid.text(header.row, header.label_col).lower() in _LABEL_WORDS:
        score += 0.05
    if share < 0.5:
        score *= 0.6
    return round(min(score, 1.0), 3)

# ------------------------------------------------------------------------ targets


def parse_polarity(value: object) -> str | None:
    """'Higher is better' -> 'higher'; 'lower' / 'closer to target'; blank -> 'higher'; unknown -> None."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return "higher"
    if text[0] in "↑▲+" or re.match(r"(high|up|increas|max|more|big)", text):
        return "higher"
    if text[0] in "↓▼-" or re.match(r"(low|down|decreas|min|less|fewer|small)", text):
        return "lower"
    if text[0] in "≈=~" or re.match(r"(clos|near|on target|target|within)", text):
        return "closer"
    return None


def _amount(value: object, number_format: str | None, what: str) -> float | None:
    if isinstance(value, str):
        value = re.sub(r"\s*(?:pp|ppt|points?|percentage points?)$", "", value.strip(), flags=re.I)
    v = parse_value(value, number_format)
    if v.missing_reason == "blank":
        return None
    if v.value is None:
        raise ValueError(f"the {what} '{v.text}' is not a number or percentage")
    return v.value


def make_target(measure: str, target: object, tolerance: object = None, polarity: object = None, *,
                number_format: str | None = None, sheet: str | None = None, cell: str | None = None) -> Target:
    """A :class:`Target` from cells or config text; raises ValueError with a plain message."""
    pol = parse_polarity(polarity)
    if pol is None:
        raise ValueError(f"the polarity '{polarity}' is not 'higher is better', 'lower is better' "
                         f"or 'closer to target is better'")
    value = _amount(target, number_format, "target")
    tol = _amount(tolerance, None, "tolerance") or 0.0
    if tol < 0:
        raise ValueError(f"the tolerance {tol:g} is negative")
    return Target(" ".join(measure.split()), value, tol, pol, sheet, cell)


def _header_map(texts: Mapping[int, str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for col, text in texts.items():
        low = text.lower()
        for key, words in (("measure", _LABEL_WORDS), ("target", ("target",)),
                           ("tolerance", ("tolerance", "amber")), ("polarity", ("polarity", "better", "good is"))):
            if key not in cols and any(w in low for w in words) and not (key == "target" and "tolerance" in low):
                cols[key] = col
                break
    return cols


def looks_like_targets(grid: SheetGrid) -> float:
    """1.0 when a header row has Measure and Target columns, else 0."""
    for row in list(grid.rows())[:HEADER_SEARCH_ROWS]:
        cols = _header_map(grid.row_texts(row))
        if "measure" in cols and "target" in cols:
            return 1.0
    return 0.0


def read_targets(grid: SheetGrid) -> tuple[dict[str, Target], list[Finding]]:
    """A `Targets` sheet: Measure | Target | Tolerance | Polarity (tolerance and polarity optional)."""
    header_row, cols = None, {}
    for row in list(grid.rows())[:HEADER_SEARCH_ROWS]:
        cols = _header_map(grid.row_texts(row))
        if "measure" in cols and "target" in cols:
            header_row = row
            break
    if header_row is None:
        return {}, [error("targets-no-header", grid.name, None, None,
                          f"{where(grid.name, None)}: no header row with Measure and Target columns.")]
    targets: dict[str, Target] = {}
    findings: list[Finding] = []
    for row in grid.rows():
        name = grid.text(row, cols["measure"]) if row > header_row else ""
        if not name:
            continue
        cell = a1(row, cols["target"])
        tcell = grid.cell(row, cols["target"])
        try:
            t = make_target(name, tcell.value,
                            grid.value(row, cols["tolerance"]) if "tolerance" in cols else None,
                            grid.value(row, cols["polarity"]) if "polarity" in cols else None,
                            number_format=tcell.number_format, sheet=grid.name, cell=cell)
        except ValueError as exc:
            findings.append(error("target-unparsed", grid.name, cell, row,
                                  f"{where(grid.name, cell)} ({name}): {exc}; this target is not used."))
            continue
        if _norm(name) in {_norm(k) for k in targets}:
            findings.append(warning("target-duplicate", grid.name, cell, row,
                                    f"{where(grid.name, cell)}: a second target for '{name}'; the first is used."))
            continue
        targets[t.measure] = t
    return targets, findings

# ------------------------------------------------------------------------- rollup


def _norm(name: str) -> str:
    name = name.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", name).split())


def rag(value: float | None, target: Target | None) -> str | None:
    """'green' | 'amber' | 'red' against target (amber = within tolerance), None without both."""
    if value is None or target is None or target.target is None:
        return None
    t, tol, eps = target.target, target.tolerance, 1e-9
    if target.polarity == "closer":
        gap = abs(value - t)
        return "green" if gap < 0.05 else "amber" if gap <= tol + eps else "red"
    shortfall = (t - value) if target.polarity == "higher" else (value - t)
    return "green" if shortfall <= eps else "amber" if shortfall <= tol + eps else "red"


def _direction(change: float | None) -> str | None:
    if change is None:
        return None
    return "level" if abs(change) < 1e-9 else "up" if change > 0 else "down"


def _trend(latest: float | None, earlier: float | None, target: Target | None) -> str | None:
    """Whether the latest move is better or worse, given the polarity."""
    if latest is None or earlier is None or target is None:
        return None
    if target.polarity == "closer":
        if target.target is None:
            return None
        better = abs(earlier - target.target) - abs(latest - target.target)
    else:
        better = (latest - earlier) * (1 if target.polarity == "higher" else -1)
    return "stable" if abs(better) < 1e-9 else "improving" if better > 0 else "worsening"


def _year_figure(kind: str, points: list[Point]) -> dict:
    present = [p.value for p in points if p.value.value is not None]
    if kind == "ratio":
        pooled = [v for v in present if v.numerator is not None and v.denominator]
        num = sum(v.numerator for v in pooled)
        den = sum(v.denominator for v in pooled)
        return {"value": num / den * 100 if den else None, "numerator": _tidy(float(num)) if pooled else None,
                "denominator": _tidy(float(den)) if pooled else None, "quarters": len(pooled),
                "method": "pooled"}
    if kind == "percent":
        return {"value": sum(v.value for v in present) / len(present) if present else None,
                "numerator": None, "denominator": None, "quarters": len(present), "method": "mean"}
    total = sum(v.value for v in present)
    return {"value": _tidy(float(total)) if len(present) == 4 else None, "numerator": None, "denominator": None,
            "quarters": len(present), "method": "sum"}


def _point_json(m: Measure, p: Point, by_end: Mapping[date, Point], target: Target | None) -> dict:
    v = p.value.value

    def change(n: int) -> float | None:
        other = by_end.get(shift_quarters(p.period_end, -n))
        if v is None or other is None or other.value.value is None:
            return None
        return _tidy(v - other.value.value) if m.kind == "count" else v - other.value.value

    out = {"period_end": p.period_end.isoformat(), "quarter": quarter_label(p.period_end),
           "year": financial_year(p.period_end),
           "value": _tidy(v) if m.kind == "count" else v,
           "numerator": _tidy(p.value.numerator), "denominator": _tidy(p.value.denominator),
           "missing_reason": p.value.missing_reason, "text": p.value.text, "cell": p.cell,
           "change_previous": change(1), "change_year": change(4), "rag": rag(v, target)}
    out["direction"] = _direction(out["change_previous"])
    if m.published_name is not None or p.value.published is not None:
        published = p.value.published if p.value.published is not None else (
            p.published.value if p.published else None)
        out["published"] = published
        out["published_cell"] = p.published_cell if p.value.published is None else p.cell
    return out


def _measure_json(m: Measure, target: Target | None) -> dict:
    by_end = {p.period_end: p for p in m.points}
    periods = [_point_json(m, p, by_end, target) for p in m.points]
    years: list[dict] = []
    for fy in dict.fromkeys(financial_year(p.period_end) for p in m.points):
        fig = _year_figure(m.kind, [p for p in m.points if financial_year(p.period_end) == fy])
        prev = years[-1] if years else None
        fig["change_previous_year"] = (fig["value"] - prev["value"]) if prev and prev["value"] is not None \
            and fig["value"] is not None and int(prev["year"][:4]) + 1 == int(fy[:4]) else None
        fig["rag"] = rag(fig["value"], target)
        years.append({"year": fy, **fig})
    latest = next((p for p in reversed(periods) if p["value"] is not None), None)
    earlier = {"previous": None, "year": None}
    if latest:
        for key, n in (("previous", 1), ("year", 4)):
            other = by_end.get(shift_quarters(date.fromisoformat(latest["period_end"]), -n))
            earlier[key] = other.value.value if other else None
    return {
        "sheet": m.sheet, "measure": m.name, "row": m.row, "label_cell": m.label_cell, "kind": m.kind,
        "published_measure": m.published_name, "published_row": m.published_row,
        "periods": periods, "years": years,
        "latest_period": latest["period_end"] if latest else None,
        "latest_value": latest["value"] if latest else None,
        "direction": latest["direction"] if latest else None,
        "direction_year": _direction(latest["change_year"]) if latest else None,
        "trend": _trend(latest["value"] if latest else None, earlier["previous"], target),
        "target": None if target is None else {"value": target.target, "tolerance": target.tolerance,
                                               "polarity": target.polarity},
        "rag": latest["rag"] if latest else None,
    }


def _published_mismatches(m: Measure) -> list[Finding]:
    out: list[Finding] = []
    for p in m.points:
        v = p.value
        published = v.published if v.published is not None else (p.published.value if p.published else None)
        cell = p.cell if v.published is not None else p.published_cell
        if v.value is None or published is None or v.form != "ratio":
            continue
        gap = published - v.value
        if abs(gap) > PUBLISHED_TOLERANCE_PP + 1e-9:
            row = split_a1(cell)[0] if cell else None
            out.append(warning(
                "published-figure-mismatch", m.sheet, cell, row,
                f"{where(m.sheet, cell)}: {m.published_name or m.name} at {p.period_end:%d/%m/%Y} is published as "
                f"{published:g}% but {v.text} ({p.cell}) is {v.value:.2f}%, {abs(gap):.2f} percentage points apart."))
    return out


def _target_index(targets: Mapping[str, Target] | None) -> dict[str, Target]:
    return {_norm(name): t for name, t in (targets or {}).items()}


def kpi_rollup(measures: list[Measure], targets: Mapping[str, Target] | None = None
               ) -> tuple[list[dict], list[Finding]]:
    """The JSON per measure, with ``published-figure-mismatch`` and ``target-unmatched`` findings.

    A target is matched by measure name, or by the name of its published-rate row ("Escalation %").
    Cross-sheet conflicts are :func:`cross_check`'s job, not this one's.
    """
    index = _target_index(targets)
    used: set[str] = set()
    out: list[dict] = []
    findings: list[Finding] = []
    for m in measures:
        keys = [_norm(m.name)] + ([_norm(m.published_name)] if m.published_name else [])
        key = next((k for k in keys if k in index), None)
        if key:
            used.add(key)
        out.append(_measure_json(m, index.get(key) if key else None))
        findings += _published_mismatches(m)
    for key, t in index.items():
        if key not in used and t.sheet:
            findings.append(warning("target-unmatched", t.sheet, t.cell, None,
                                    f"{where(t.sheet, t.cell)}: no KPI table has a measure called '{t.measure}'."))
    return out, findings


def _differs(a: Value, b: Value) -> bool:
    if a.numerator is not None and b.numerator is not None:
        return (a.numerator, a.denominator) != (b.numerator, b.denominator)
    if a.form == "number" and b.form == "number":
        return abs(a.value - b.value) > 1e-9
    return abs(a.value - b.value) > PUBLISHED_TOLERANCE_PP + 1e-9


def cross_check(measures_by_sheet: Mapping[str, list[Measure]]) -> list[Finding]:
    """``period-conflict``: two sheets give different figures for the same measure and quarter.

    The finding sits on the later sheet's cell and names the earlier one.
    """
    seen: dict[tuple[str, date], tuple[str, Point]] = {}
    out: list[Finding] = []
    for sheet, measures in measures_by_sheet.items():
        for m in measures:
            for p in m.points:
                if p.value.value is None:
                    continue
                key = (_norm(m.name), p.period_end)
                first = seen.get(key)
                if first is None:
                    seen[key] = (sheet, p)
                    continue
                other_sheet, q = first
                if other_sheet != sheet and _differs(q.value, p.value):
                    row = split_a1(p.cell)[0]
                    out.append(warning(
                        "period-conflict", sheet, p.cell, row,
                        f"{where(sheet, p.cell)}: {m.name} at {p.period_end:%d/%m/%Y} is {p.value.text} here but "
                        f"{q.value.text} in {where(other_sheet, q.cell)}."))
    return out

# -------------------------------------------------------------------- the KPIs sheet

SHEET_NAME = "KPIs"
_FIRST_COL = 2   # column B: the first quarter


def _show(kind: str, value: float | None) -> Cell:
    """A figure as the board sees it: rates as 0.0% (the cell holds the fraction), counts whole."""
    if value is None:
        return Cell(None, "text")
    if kind in ("ratio", "percent"):
        return Cell(value / 100, "pct")
    return Cell(value, "int" if float(value).is_integer() else "decimal1")


def _change_text(kind: str, change: float | None) -> str:
    if change is None:
        return "–"
    arrow = ARROWS[_direction(change)]
    if kind == "count":
        return f"{arrow} {_tidy(float(change)):+,}" if float(change).is_integer() else f"{arrow} {change:+,.1f}"
    return f"{arrow} {change:+.1f} pp"


def _target_text(kind: str, target: dict | None) -> str:
    if not target or target.get("value") is None:
        return ""
    unit = "%" if kind in ("ratio", "percent") else ""
    sign = {"higher": "≥", "lower": "≤", "closer": "≈"}[target["polarity"]]
    value = target["value"]
    shown = f"{value:,.1f}{unit}" if unit or not float(value).is_integer() else f"{int(value):,}"
    tol = f" (±{target['tolerance']:g})" if target.get("tolerance") else ""
    return f"{sign} {shown}{tol}"


def _nd_text(item: dict) -> str:
    if item.get("numerator") is None:
        return item.get("text") or ""
    text = f"{_tidy(float(item['numerator']))}/{_tidy(float(item['denominator']))}"
    quarters = item.get("quarters")
    return text + (f" ({quarters} qtrs)" if quarters is not None and quarters < 4 else "")


def _rag_cell(colour: str | None) -> Cell:
    return Cell(colour.capitalize(), f"rag_{colour}") if colour else Cell(None, "text")


def _missing_note(m: dict) -> str | None:
    def why(p: dict) -> str:
        if p["missing_reason"] == "placeholder":
            return f"'{p['text']}'"
        return p["missing_reason"].replace("-", " ") + (f" ('{p['text']}')" if p.get("text") else "")

    gaps = [f"{date.fromisoformat(p['period_end']):%d/%m/%Y} {why(p)}"
            for p in m["periods"] if p["value"] is None and p["missing_reason"] != "blank"]
    return f"{m['measure']}: " + "; ".join(gaps) if gaps else None


def _quarters_between(first: date, last: date) -> int:
    return ((last.year - first.year) * 12 + last.month - first.month) // 3


def _block(spec: SheetSpec, sheet: str, measures: list[dict]) -> list[tuple[dict, int, int, int]]:
    """One source sheet's measures; returns (measure, header row, value row, last period column).

    Every quarter from the first to the last gets a column, so a quarter left out (its header
    unreadable) shows as a gap in the line rather than being joined over."""
    present = sorted({date.fromisoformat(p["period_end"]) for m in measures for p in m["periods"]})
    ends = [shift_quarters(present[0], i).isoformat() for i in range(_quarters_between(present[0], present[-1]) + 1)]
    years = list(dict.fromkeys(financial_year(date.fromisoformat(e)) for e in ends))
    col_of = {e: _FIRST_COL + i for i, e in enumerate(ends)}
    last_period = _FIRST_COL + len(ends) - 1
    year_col = {y: last_period + 1 + i for i, y in enumerate(years)}
    after = last_period + len(years) + 1
    extra = ["Change on previous quarter", "Change on a year earlier", "Target", "RAG (latest)"]

    spec.add_row(Cell(f"From sheet '{sheet}'", "bold", link=where(sheet, "A1")))
    fy_row = [Cell(None, "header")] * (after + len(extra) - 1)
    for e in ends:
        fy = financial_year(date.fromisoformat(e))
        if col_of[e] == min(col_of[x] for x in ends if financial_year(date.fromisoformat(x)) == fy):
            fy_row[col_of[e] - 1] = Cell(fy, "header")
    fy_row[last_period] = Cell("Financial year", "header")
    fy_row[after - 1] = Cell("Latest quarter", "header")
    spec.add_row(*fy_row)
    head = [Cell("Measure", "header")] + [Cell(f"{date.fromisoformat(e):%d/%m/%Y}", "header") for e in ends] \
        + [Cell(y, "header") for y in years] + [Cell(t, "header") for t in extra]
    header_row = spec.add_row(*head)

    placed = []
    for m in measures:
        kind = m["kind"]
        row = [Cell(None, "text")] * (after + len(extra) - 1)
        row[0] = Cell(m["measure"], "link", link=where(m["sheet"], m.get("label_cell") or None))
        by_end = {p["period_end"]: p for p in m["periods"]}
        for e, p in by_end.items():
            row[col_of[e] - 1] = _show(kind, p["value"])
        for y in m["years"]:
            row[year_col[y["year"]] - 1] = _show(kind, y["value"])
        latest = by_end.get(m.get("latest_period") or "", {})
        row[after - 1] = Cell(_change_text(kind, latest.get("change_previous")), "text")
        row[after] = Cell(_change_text(kind, latest.get("change_year")), "text")
        row[after + 1] = Cell(_target_text(kind, m.get("target")), "text")
        row[after + 2] = _rag_cell(m.get("rag"))
        value_row = spec.add_row(*row)
        placed.append((m, header_row, value_row, last_period))
        if kind == "ratio":
            nd = [Cell(None, "note")] * (last_period + len(years))
            nd[0] = Cell("   count (numerator/denominator)", "note")
            for e, p in by_end.items():
                nd[col_of[e] - 1] = Cell(_nd_text(p), "note")
            for y in m["years"]:
                nd[year_col[y["year"]] - 1] = Cell(_nd_text(y), "note")
            spec.add_row(*nd)
        if m.get("target") and m["target"].get("value") is not None:
            rr = [Cell(None, "text")] * (last_period + len(years))
            rr[0] = Cell("   RAG against target", "note")
            for e, p in by_end.items():
                rr[col_of[e] - 1] = _rag_cell(p.get("rag"))
            for y in m["years"]:
                rr[year_col[y["year"]] - 1] = _rag_cell(y.get("rag"))
            spec.add_row(*rr)
    notes = [n for n in (_missing_note(m) for m in measures) if n]
    unread = [f"{date.fromisoformat(e):%d/%m/%Y}" for e in ends if date.fromisoformat(e) not in present]
    if unread:
        notes.append("no column read for " + ", ".join(unread))
    if notes:
        spec.add_row(Cell("Missing values: " + " | ".join(notes), "note"))
    for c in range(_FIRST_COL, after + len(extra)):
        spec.widths[c] = max(spec.widths.get(c, 0), 18.0 if c >= after else 11.0)
    spec.blank()
    return placed


def kpi_sheet(rollup: list[dict], *, as_of: date, source: str) -> SheetSpec:
    """The `KPIs` sheet: a block per source sheet (quarters, year figures, latest changes with
    arrows, target and RAG), then a native line chart per measure over the quarters."""
    spec = SheetSpec(name=SHEET_NAME, page_header=f"ehxl KPIs - as of {as_of.day} {as_of:%b %Y}",
                     tab_colour="1F4E78")
    spec.add_row(Cell("Quarterly KPIs", "title"))
    spec.add_row(Cell(f"As of {as_of.day} {as_of:%b %Y} · source: {source}", "subtitle"))
    spec.add_row(Cell("Rates show as a percentage with the count (numerator/denominator) beneath. "
                      "▲ up, ▼ down, ► no change. Year figures: counts are the sum of the four quarters "
                      "(blank unless all four are present); rates are pooled; percentages are the mean of "
                      "the quarters reported. RAG is performance against target.", "note"))
    spec.blank()
    spec.widths[1] = 40.0
    by_sheet: dict[str, list[dict]] = {}
    for m in rollup:
        by_sheet.setdefault(m["sheet"], []).append(m)
    placed = []
    for sheet, measures in by_sheet.items():
        placed += _block(spec, sheet, measures)
    if len(by_sheet) == 1 and placed:
        spec.freeze_row = placed[0][1] + 1
    top = len(spec.rows) + 2
    for i, (m, header_row, value_row, last_col) in enumerate(placed):
        first, last = column_letter(_FIRST_COL), column_letter(last_col)
        quoted = "'" + SHEET_NAME + "'"
        series = Series(name=m["measure"],
                        categories=f"{quoted}!${first}${header_row}:${last}${header_row}",
                        values=f"{quoted}!${first}${value_row}:${last}${value_row}")
        title = m["measure"] if len(by_sheet) == 1 else f"{m['measure']} ({m['sheet']})"
        anchor = f"{column_letter(1 + (i % 2) * 9)}{top + (i // 2) * 17}"
        spec.charts.append(Chart(kind="line", title=title, series=(series,), anchor=anchor,
                                 size=(8, 15), y_title="%" if m["kind"] in ("ratio", "percent") else "Count"))
    return spec
