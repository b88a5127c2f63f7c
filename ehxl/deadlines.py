"""Free-text UK dates, as staff write them in deadline, timescale, start and end columns.

Reading a date (DOMAIN.md): the day comes first; two-digit years are 20xx;
``.`` ``/`` ``-`` separate day, month and year; ordinals may have a space
("1 st April 2020"); months are full names, three-letter abbreviations or
"Sept", and a month name split by a Word line break ("Septem ber") still
counts.  A month with a two- or four-digit number is month + year ("March 17"
is March 2017) and means the month's last day; "Beg"/"Beginning of"/"Start of"
mean its first day.  "Q3 2020/21" is the last day of that financial quarter
(Q1 = Apr-Jun) and "2015/16" the last day of that financial year.  A day with
an ordinal after the month ("April 1st 2020", "March 17th") is a day.

A real date cell is a DEADLINE, and so is a number (an Excel day number,
1900 date system).  HTML tags (``<p>``, ``<li>``, ``<br>``) and line breaks
are tolerated; they split a cell into parts, and the words in a part act only
on the dates in that part.

What the words around the dates mean:

* "From", "Since", "Starting", "Start", "Commencing" (close before a date)
  mark a start; a date followed by "onwards", or any date in a cell saying
  "Ongoing", is where ongoing work starts.  A month given as a start means its
  first day.
* "By", "Until", "Deadline", "Due" and bare dates are deadlines; "X to Y" or
  "X – Y" is a start and a deadline.  Several deadlines in one cell are
  MILESTONES and the latest counts.
* "Review June 16" or "August 2016 review" is a review date: it is used only
  when there is no deadline (then the cell is flagged ambiguous if it also
  has a start).
* "Completed"/"Complete" (not "to be completed", not "complete by ...") make
  the cell COMPLETED; its date is the one written next to the word.

Choices ehxl makes, each flagged ``ambiguous`` with a note:

* a deadline that ends before a later "onwards" start (``<p>March 2020</p>
  <p>Jan 2021 onwards</p>``) is an earlier stage: the cell is ONGOING from the
  onwards start;
* a start and a review date but no deadline ("Starting new way of working
  September 16 Review June 16"): the review date is the deadline;
* "completed" with other dates ("April 2016 – completed August 2016 review"):
  the date next to the word counts, a date labelled "review" is not the
  completion date;
* "Early"/"Mid" a month: its 1st/15th;
* "W/C 17/10" or "17th October" with no year: the year that puts it nearest
  the as-of date (without an as-of date it is UNKNOWN).

Impossible dates ("31.2.16"), month-first US dates ("12/31/2020"), a month
with a one-digit number ("June 6"), a quarter without its financial year and
text with no date are UNKNOWN with a note.  When such a piece sits beside a
readable date the readable date is used and the cell is flagged ambiguous:
ehxl never guesses silently.
"""
from __future__ import annotations

import bisect
import calendar
import math
import numbers
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from functools import lru_cache


class DateKind(str, Enum):
    DEADLINE = "deadline"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    MILESTONES = "milestones"
    UNKNOWN = "unknown"
    EMPTY = "empty"


@dataclass(frozen=True)
class ParsedDate:
    """What one cell says about timing; ``date`` is the date that counts."""

    kind: DateKind
    date: date | None
    start: date | None
    dates: tuple[date, ...]
    text: str
    ambiguous: bool = False
    note: str = ""


MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9


def _month_pattern() -> str:
    """Month names, longest first; full names of five letters or more survive a Word line break."""
    parts = []
    for name in sorted(MONTHS, key=len, reverse=True):
        parts.append(r"\s?".join(name) if len(name) >= 5 else name)
    return "(?:" + "|".join(parts) + r")(?![a-z])"


_MONTH = _month_pattern()
_ORD = r"(?:st|nd|rd|th)"

_TOKEN = re.compile(
    r"(?P<wc>\b(?:w\s*/\s*[cb]|w\.[cb]\.|week\s+(?:commencing|beginning))\.?:?\s*"
    r"(?P<wcd>\d{1,2})\s*[./-]\s*(?P<wcm>\d{1,2})\b(?!\s*[./-]\s*\d))"
    r"|(?P<q>\b(?:Q|quarter\s*)(?P<qn>\d)\s*(?:of\s+)?(?:FY\s*)?(?P<qy1>\d{4}|\d{2})"
    r"(?:\s*[/-]\s*(?P<qy2>\d{4}|\d{2}))?\b(?!\s*[/-]\s*\d))"
    r"|(?P<qb>\b(?P<qby1>\d{4})\s*[/-]\s*(?P<qby2>\d{4}|\d{2})\s*Q(?P<qbn>\d)\b)"
    r"|(?P<iso>\b(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})\b)"
    r"|(?P<num>\b(?P<d>\d{1,2})\s*[./-]\s*(?P<m>\d{1,2})\s*[./-]\s*(?P<y>\d{1,4})(?!\d))"
    r"|(?P<dmy>\b(?P<dd>\d{1,2})\s*" + _ORD + r"?(?:\s+of)?[\s.-]*(?P<dm>" + _MONTH + r")\.?,?[\s.-]*'?"
    r"(?P<dy>\d{4}|\d{2})(?![\d/])(?!\s*[/-]\s*\d))"
    r"|(?P<dm0>\b(?P<d0>\d{1,2})\s*" + _ORD + r"?(?:\s+of)?[\s.-]*(?P<m0>" + _MONTH + r"))"
    r"|(?P<md>\b(?P<mdm>" + _MONTH + r")\.?\s*(?P<mdd>\d{1,2})(?:" + _ORD + r"(?:,?\s*(?P<mdy>\d{4}))?"
    r"|,?\s+(?P<mdy2>\d{4})(?!\s*[/-]\s*\d))\b)"
    r"|(?P<my>(?P<pre>\b(?:(?:beg(?:inning)?|early|mid|late|end)\b\.?[\s-]*(?:of\s+)?|start\s+of\s+)(?:the\s+)?)?"
    r"\b(?P<mm>" + _MONTH + r")\.?,?\s*(?:[-/']\s*)?(?P<my_y>\d{1,4})(?!\d|" + _ORD + r"\b))"
    r"|(?P<fy>\b(?P<fy1>\d{4})\s*[/-]\s*(?P<fy2>\d{4}|\d{2})\b(?!\s*[/-]\s*\d))",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(?:(?P<near>from|since)|(?P<start>starting|start(?:s|ed)?|commenc(?:ing|es|ed)|beginning|begins)"
    r"|(?P<due>by|until|till|deadline|due|before|target|end\s+date)|(?P<review>review(?:ed|s)?))\b",
    re.IGNORECASE,
)
_CUE_REACH = {"near": 2, "start": 6, "due": 6, "review": 2}
_WEEK_OF = re.compile(r"\b(?:w\s*/\s*[cb]|w\.[cb]\.|week\s+(?:commencing|beginning))", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(?:-|–|—|to|until|till|through)\s*$", re.IGNORECASE)
_ONWARDS_AFTER = re.compile(r"^\W*(?:and\s+)?onwards\b", re.IGNORECASE)
_REVIEW_AFTER = re.compile(r"^\s*reviews?\b", re.IGNORECASE)
_ONGOING = re.compile(r"\b(?:on-?going|on\s+going)\b", re.IGNORECASE)
_COMPLETE = re.compile(r"\b(?:(?P<past>completed)|complete)\b", re.IGNORECASE)
_NOT_DONE = re.compile(r"\b(?:not|to|be|will|would|should|must|yet|once|when|if|until|can)\s+(?:\w+\s+)?$",
                       re.IGNORECASE)
_IMPERATIVE_AFTER = re.compile(r"^\s*(?:by|before|until|no\s+later)\b|^\s*[a-z]", re.IGNORECASE)
_ATTACH_AFTER = re.compile(r"^[\s:,.–—-]*(?:(?:in|on|by|during)\s+)?$", re.IGNORECASE)
_ATTACH_BEFORE = re.compile(r"^[\s:,.–—-]*$")
_TAG = re.compile(r"<!--.*?-->|</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>", re.DOTALL)
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
#: Where html.unescape could change a text: "&" then what may begin an entity ("SW & CS" has none).
_ENTITY = re.compile(r"&[^\t\n\f <&;]")
_SEGMENT = re.compile(r"[\n\r•;]+")
_SEASON = re.compile(r"\b(spring|summer|autumn|winter)\b(?:\s+term)?\s*(\d{4}|\d{2})\b", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"\b(?:19|20)\d{2}\b")
_TO_CONFIRM = re.compile(r"\b(?:tbc|tba|tbd|to be (?:confirmed|agreed|decided))\b", re.IGNORECASE)
_WORD_BEFORE_YEAR = re.compile(r"\b([a-z]{4,})\.?\s*(?:\d{4}|\d{2})\b", re.IGNORECASE)

DEADLINE, START, ONWARDS, REVIEW = "deadline", "start", "onwards", "review"


def month_end(year: int, month: int) -> date:
    """The last day of a month: what "June 2016" means as a deadline."""
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(quarter: int, fy_start_year: int) -> date:
    """Last day of financial quarter ``quarter`` (Q1 = Apr-Jun) of the year starting in April ``fy_start_year``."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"there is no quarter {quarter}")
    month = 3 * quarter + 3
    return month_end(fy_start_year + (month > 12), (month - 1) % 12 + 1)


def financial_year(d: date) -> str:
    """The April-March year a date falls in: date(2015, 3, 31) -> "2014-15"."""
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def parse_date_text(value: object, *, as_of: date | None = None) -> ParsedDate:
    """Read one cell's date; see the module docstring for the rules."""
    if value is None:
        return ParsedDate(DateKind.EMPTY, None, None, (), "")
    if isinstance(value, bool):
        return _unknown(str(value), "a true/false value is not a date")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return ParsedDate(DateKind.DEADLINE, value, None, (value,), value.isoformat())
    if isinstance(value, numbers.Real):
        return _serial(float(value))
    return _parse_text(str(value), as_of)


def _unknown(text: str, note: str) -> ParsedDate:
    return ParsedDate(DateKind.UNKNOWN, None, None, (), text, note=note)


def _serial(value: float) -> ParsedDate:
    """An Excel day number in the 1900 date system, which counts a 29 February 1900 that never was."""
    if math.isnan(value):
        return ParsedDate(DateKind.EMPTY, None, None, (), "")
    text = str(int(value)) if math.isfinite(value) and value.is_integer() else str(value)
    if not math.isfinite(value) or not 1 <= value < 2958466:
        return _unknown(text, f"{text} is not an Excel date (day numbers run from 1 to 2958465)")
    day = int(value)
    if day == 60:
        return _unknown(text, "Excel day 60 is 29 February 1900, which does not exist")
    d = date(1899, 12, 31 if day < 60 else 30) + timedelta(days=day)
    return ParsedDate(DateKind.DEADLINE, d, None, (d,), text)


@dataclass(frozen=True)
class _Cell:
    """A cell's text with one line per part (paragraph, line, bullet), so words only act on dates in their part.

    A date may run over a line break ("June\\n2016"): it belongs to the part it starts in.
    """

    work: str
    starts: tuple[int, ...]       # where each part begins in ``work``

    def part(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def span(self, index: int) -> tuple[int, int]:
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.work)
        return self.starts[index], end


def _clean(value: str) -> tuple[str, _Cell]:
    """The text with tags and entities gone and whitespace normalised, and the same split into parts."""
    if "<" in value:
        value = _TAG.sub(lambda m: "\n" if (m.group(1) or "").lower() in _BLOCK_TAGS else " ", value)
    if "&" in value and _ENTITY.search(value):     # html and its table of entities load only for an entity
        import html

        value = html.unescape(value)
    parts = [p for p in (re.sub(r"\s+", " ", part).strip() for part in _SEGMENT.split(value)) if p]
    work = "\n".join(parts)
    starts = tuple(i for i in range(len(work)) if i == 0 or work[i - 1] == "\n")
    return re.sub(r"\s+", " ", value).strip(), _Cell(work, starts or (0,))


@dataclass
class _Found:
    """One date in the text, with what the words around it make of it."""

    value: date
    first: date                   # the first day, when a month stands for a start
    raw: str
    segment: int
    pos: int
    end: int
    role: str = DEADLINE
    cued: bool = False            # an explicit "by", "until", "deadline"

    @property
    def effective(self) -> date:
        return self.first if self.role in (START, ONWARDS) else self.value


@lru_cache(maxsize=8192)
def _parse_text(raw: str, as_of: date | None) -> ParsedDate:
    text, cell = _clean(raw)
    if not text:
        return ParsedDate(DateKind.EMPTY, None, None, (), "")
    problems: list[str] = []
    assumptions: list[str] = []
    found = _find(cell, as_of, problems, assumptions)
    completion = _completion(cell)
    ongoing_segments = {cell.part(m.start()) for m in _ONGOING.finditer(cell.work)}
    _assign_roles(found, cell, set() if completion else ongoing_segments)
    if not found:
        if completion is not None:
            return ParsedDate(DateKind.COMPLETED, None, None, (), text, bool(problems), _join(problems))
        if ongoing_segments and not problems:
            return ParsedDate(DateKind.ONGOING, None, None, (), text)
        return _unknown(text, _join(problems) or _no_date_note(text))
    result = _decide(found, cell, completion, bool(ongoing_segments), text)
    notes = [*assumptions, *([result.note] if result.note else []),
             *(f"{p}, so it was not used" for p in problems)]
    return ParsedDate(result.kind, result.date, result.start, result.dates, text,
                      result.ambiguous or bool(assumptions or problems), _join(notes))


def _join(notes: list[str]) -> str:
    return "; ".join(dict.fromkeys(n for n in notes if n))


def _find(cell: _Cell, as_of: date | None, problems: list[str], assumptions: list[str]) -> list[_Found]:
    out = []
    for m in _TOKEN.finditer(cell.work):
        read = _read_token(m, as_of)
        if read is None:
            continue
        value, first, problem, assumption = read
        if problem:
            problems.append(problem)
        if assumption:
            assumptions.append(assumption)
        if value is not None:
            out.append(_Found(value, first or value, _tidy(m.group(0)), cell.part(m.start()), m.start(), m.end()))
    return out


def _tidy(raw: str) -> str:
    return re.sub(r"\s+", " ", raw).strip()


Read = tuple[date | None, date | None, str, str]     # value, first day (for a month), problem, assumption


def _read_token(m: re.Match, as_of: date | None) -> Read | None:
    """The date a matched piece of text stands for, or why it is not one (None: not a date at all)."""
    raw = _tidy(m.group(0))
    if m.group("wc"):
        return _yearless(int(m.group("wcd")), int(m.group("wcm")), as_of, raw, f"{m.group('wcd')}/{m.group('wcm')}")
    if m.group("q"):
        return _quarter(int(m.group("qn")), m.group("qy1"), m.group("qy2"), raw)
    if m.group("qb"):
        return _quarter(int(m.group("qbn")), m.group("qby1"), m.group("qby2"), raw)
    if m.group("iso"):
        return _day(int(m.group("id")), int(m.group("im")), m.group("iy"), raw)
    if m.group("num"):
        return _day(int(m.group("d")), int(m.group("m")), m.group("y"), raw)
    if m.group("dmy"):
        return _day(int(m.group("dd")), _month(m.group("dm")), m.group("dy"), raw)
    if m.group("dm0"):
        return _yearless(int(m.group("d0")), _month(m.group("m0")), as_of, raw, raw)
    if m.group("md"):
        year = m.group("mdy") or m.group("mdy2")
        if year:
            return _day(int(m.group("mdd")), _month(m.group("mdm")), year, raw)
        return _yearless(int(m.group("mdd")), _month(m.group("mdm")), as_of, raw, raw)
    if m.group("my"):
        return _month_year(m, raw)
    if m.group("fy"):
        start, end = int(m.group("fy1")), _year(m.group("fy2"))
        return (month_end(start + 1, 3), None, "", "") if end == start + 1 else None
    return None


def _month(name: str) -> int:
    return MONTHS[re.sub(r"\s+", "", name).lower()]


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) <= 2 else y


def _day(day: int, month: int, year_text: str, raw: str) -> Read:
    if len(year_text) not in (2, 4):
        return None, None, f"\"{raw}\" is not a date (the year {year_text} is not complete)", ""
    year = _year(year_text)
    if not 1900 <= year <= 2099:
        return None, None, f"\"{raw}\" is not a date (the year {year} is out of range)", ""
    try:
        return date(year, month, day), None, "", ""
    except ValueError:
        pass
    if month > 12 and 1 <= day <= 12:
        try:
            date(year, day, month)
            return None, None, (f"\"{raw}\" looks month-first (US style); write the day first, "
                                f"as {month}/{day}/{year}"), ""
        except ValueError:
            pass
    if 1 <= month <= 12:
        return None, None, f"{day} {calendar.month_name[month]} {year} is not a date", ""
    return None, None, f"\"{raw}\" is not a date (there is no month {month})", ""


def _month_year(m: re.Match, raw: str) -> Read:
    month, year_text = _month(m.group("mm")), m.group("my_y")
    name = calendar.month_name[month]
    if len(year_text) == 1:
        return None, None, (f"\"{raw}\" is not a date (is {year_text} a day or a year? write "
                            f"{year_text} {name} 2016 or {name} 2016)"), ""
    if len(year_text) == 3:
        return None, None, f"\"{raw}\" is not a date (the year {year_text} is not complete)", ""
    year = _year(year_text)
    if not 1900 <= year <= 2099:
        return None, None, f"\"{raw}\" is not a date (the year {year} is out of range)", ""
    pre = (m.group("pre") or "").lower()
    first, last = date(year, month, 1), month_end(year, month)
    if pre.startswith(("beg", "start")):
        return first, first, "", ""
    if pre.startswith("early"):
        return first, first, "", f"\"{raw}\" was read as {first:%d/%m/%Y}, the first of the month"
    if pre.startswith("mid"):
        mid = date(year, month, 15)
        return mid, mid, "", f"\"{raw}\" was read as {mid:%d/%m/%Y}, the middle of the month"
    return last, first, "", ""


def _quarter(quarter: int, y1: str, y2: str | None, raw: str) -> Read:
    if not 1 <= quarter <= 4:
        return None, None, f"\"{raw}\" is not a date (there is no quarter {quarter})", ""
    start = _year(y1)
    if y2 is None:
        return None, None, (f"\"{raw}\" does not say which financial year; write it as "
                            f"Q{quarter} {start}/{(start + 1) % 100:02d}"), ""
    if _year(y2) != start + 1 and not (len(y2) == 2 and int(y2) == (start + 1) % 100):
        return None, None, f"\"{raw}\" is not a date ({y1}/{y2} is not a financial year)", ""
    return quarter_end(quarter, start), None, "", ""


def _yearless(day: int, month: int, as_of: date | None, raw: str, shown: str) -> Read:
    """A day and month with no year: the year nearest the as-of date, or nothing without one."""
    if not 1 <= month <= 12:
        return None, None, f"\"{raw}\" is not a date (there is no month {month})", ""
    if as_of is None:
        return None, None, f"\"{raw}\" has no year; write the year too", ""
    options = []
    for year in (as_of.year - 1, as_of.year, as_of.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:
            continue
    if not options:
        return None, None, f"\"{raw}\" is not a date", ""
    best = min(options, key=lambda d: abs((d - as_of).days))
    return best, None, "", (f"\"{raw}\" has no year; ehxl took {best.year}, the nearest to the as-of date "
                            f"{as_of:%d/%m/%Y}")


def _assign_roles(found: list[_Found], cell: _Cell, ongoing_segments: set[int]) -> None:
    """Start, deadline, review or ongoing start, from the words just before and after each date."""
    for i, f in enumerate(found):
        part_start, part_end = cell.span(f.segment)
        prev = found[i - 1] if i and found[i - 1].segment == f.segment else None
        between = cell.work[prev.end if prev else part_start: f.pos]
        cue = _last_cue(between)
        if cue in ("near", "start"):
            f.role = START
        elif cue == "review":
            f.role = REVIEW
        elif cue == "due":
            f.cued = True
        after = cell.work[f.end: max(part_end, f.end)]
        if _ONWARDS_AFTER.search(after):
            f.role = ONWARDS
        elif _REVIEW_AFTER.search(after) and f.role == DEADLINE and not f.cued:
            f.role = REVIEW
        if prev and prev.role == DEADLINE and not prev.cued and _RANGE.search(between):
            prev.role = START
    dated = {f.segment for f in found}
    cell_wide = any(s not in dated for s in ongoing_segments)
    for f in found:
        if f.role == DEADLINE and not f.cued and (cell_wide or f.segment in ongoing_segments):
            f.role = ONWARDS


def _last_cue(between: str) -> str | None:
    between = _WEEK_OF.sub(" ", between)
    cues = list(_CUE.finditer(between))
    if not cues:
        return None
    cue = cues[-1]
    kind = cue.lastgroup or ""
    words = len(re.findall(r"[A-Za-z0-9]+", between[cue.end():]))
    return kind if words <= _CUE_REACH[kind] else None


@dataclass(frozen=True)
class _Completion:
    segment: int
    pos: int
    end: int


def _completion(cell: _Cell) -> _Completion | None:
    """Where a cell says the work is done: "Completed Feb 16", "March 16 – completed", "Complete"."""
    for m in _COMPLETE.finditer(cell.work):
        part_start, part_end = cell.span(cell.part(m.start()))
        before, after = cell.work[part_start: m.start()], cell.work[m.end(): part_end]
        if _NOT_DONE.search(before):
            continue
        if not m.group("past") and _IMPERATIVE_AFTER.search(after) and not _starts_with_date(after):
            continue
        return _Completion(cell.part(m.start()), m.start(), m.end())
    return None


def _starts_with_date(text: str) -> bool:
    m = _TOKEN.search(text)
    return m is not None and not text[: m.start()].strip(" :,.–—-")


def _fmt(f: _Found, label: str = "") -> str:
    return f"{f.raw} ({f.effective:%d/%m/%Y}{label})"


def _decide(found: list[_Found], cell: _Cell, completion: _Completion | None,
            says_ongoing: bool, text: str) -> ParsedDate:
    dates = tuple(f.effective for f in found)
    starts = [f for f in found if f.role in (START, ONWARDS)]
    start = starts[0].effective if starts else None
    deadlines = [f for f in found if f.role == DEADLINE]
    reviews = [f for f in found if f.role == REVIEW]
    onwards = [f for f in found if f.role == ONWARDS]

    def result(kind: DateKind, when: date | None, note: str = "", ambiguous: bool = False) -> ParsedDate:
        return ParsedDate(kind, when, start if kind is not DateKind.ONGOING else when, dates, text, ambiguous, note)

    if completion is not None:
        return _completed(found, cell, completion, says_ongoing or bool(onwards), result)
    if deadlines:
        latest = max(deadlines, key=lambda f: f.value)
        if onwards and not any(f.cued for f in deadlines) and latest.value < onwards[0].first:
            return result(DateKind.ONGOING, onwards[0].first,
                          f"ehxl reads it as ongoing from {onwards[0].first:%d/%m/%Y} ({onwards[0].raw} onwards) "
                          f"and takes {', '.join(_fmt(f) for f in deadlines)} as an earlier stage", True)
        notes = []
        if reviews:
            notes.append(f"ehxl uses the deadline {latest.value:%d/%m/%Y}, not the review date "
                         f"{', '.join(_fmt(f) for f in reviews)}")
        if says_ongoing or (onwards and not all(f.cued for f in deadlines)):
            notes.append(f"the cell also says the work is ongoing; ehxl uses the deadline {latest.value:%d/%m/%Y}")
        if [f.value for f in deadlines] != sorted(f.value for f in deadlines):
            notes.append(f"the dates are not in order; ehxl uses the latest, {latest.value:%d/%m/%Y}")
        if start and start > latest.value:
            notes.append(f"the start {start:%d/%m/%Y} is after the deadline {latest.value:%d/%m/%Y}")
        kind = DateKind.MILESTONES if len({f.value for f in deadlines}) > 1 else DateKind.DEADLINE
        return result(kind, latest.value, _join(notes), bool(notes))
    if onwards or says_ongoing:
        note = (f"the work is ongoing; the review date {', '.join(_fmt(f) for f in reviews)} is not a deadline"
                if reviews else "")
        return result(DateKind.ONGOING, start, note, bool(reviews))
    if reviews:
        latest = max(reviews, key=lambda f: f.value)
        notes = []
        if starts:
            notes.append(f"there is no deadline, only a start ({start:%d/%m/%Y}) and a review date; "
                         f"ehxl uses the review date {latest.value:%d/%m/%Y} as the deadline")
        if start and start > latest.value:
            notes.append("the review date comes before the start")
        return result(DateKind.DEADLINE, latest.value, _join(notes), bool(notes))
    return result(DateKind.ONGOING, start)


def _completed(found: list[_Found], cell: _Cell, c: _Completion, ongoing: bool, result) -> ParsedDate:
    """The completion date is the one written next to the word "completed"."""
    candidates = [f for f in found if f.role not in (START, REVIEW)]
    here = [f for f in candidates if f.segment == c.segment]
    work = cell.work
    after = [f for f in here if f.pos >= c.end and _ATTACH_AFTER.search(work[c.end: f.pos])]
    before = [f for f in here if f.end <= c.pos and _ATTACH_BEFORE.search(work[f.end: c.pos])]
    earlier = [f for f in here if f.end <= c.pos]
    chosen = (after[:1] or before[-1:] or earlier[-1:] or here[:1] or candidates[-1:] or [None])[0]
    when = chosen.value if chosen else None
    others = [f for f in found if f is not chosen and f.role != START]
    notes = []
    if others and chosen:
        named = ", ".join(_fmt(f, ", a review date" if f.role == REVIEW else "") for f in others)
        notes.append(f"ehxl takes {_fmt(chosen)} as the completion date and does not use {named}")
    elif others:
        notes.append(f"ehxl reads it as completed but cannot tell when; it does not use "
                     f"{', '.join(_fmt(f) for f in others)}")
    if ongoing:
        notes.append("the cell also says the work is ongoing; ehxl reads it as completed")
    return result(DateKind.COMPLETED, when, _join(notes), bool(notes))


def _no_date_note(text: str) -> str:
    """Why a cell has no date, as helpfully as ehxl can say it."""
    if _TO_CONFIRM.search(text):
        return "no date found: it is still to be confirmed"
    season = _SEASON.search(text)
    if season:
        return f"no date found: \"{_tidy(season.group(0))}\" is a season; write a month such as March {season.group(2)}"
    import difflib                               # here: only a date that cannot be read wants a suggestion

    for m in _WORD_BEFORE_YEAR.finditer(text):
        close = difflib.get_close_matches(m.group(1).lower(), [n for n in MONTHS if len(n) > 3], n=1, cutoff=0.75)
        if close:
            return f"no date found: is \"{m.group(1)}\" a misspelt month ({close[0].capitalize()})?"
    for name in re.findall(r"\b[a-z]+\b", text, re.IGNORECASE):
        if name.lower() in MONTHS and name.lower() != "may":
            return f"no date found: \"{name}\" has no year"
    year = _YEAR_ONLY.search(text)
    if year:
        return f"no date found: only a year ({year.group(0)}) is given; write a month or a day"
    return "no date found"
