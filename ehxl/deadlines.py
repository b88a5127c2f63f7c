"""Free-text UK dates, as staff write them in deadline, timescale, start and end columns.

Rules (DOMAIN.md): day first; two-digit years are 20xx; a month alone
("June 2016", "March 17", "End of May 16") means the last day of that month;
"Beg April 16" the first; "Q3 2020/21" the last day of that financial quarter
(Q1 = Apr-Jun).  Words around the dates give the meaning:

* "From", "Starting", "Start" mark a start; "onwards" / "Ongoing" make the
  whole cell ONGOING (its date is the start);
* "complete(d)" anywhere makes it COMPLETED (its date is the first date);
* "By", "Until", "Deadline" and bare dates are deadlines; several deadline
  dates in one cell are MILESTONES and the last one counts;
* a cell mixing a deadline and a later "review" date, or two HTML values one of
  which is ongoing, is read as its deadline with ``ambiguous`` set and a note.

"W/C 17/10" (week commencing) has no year: with an as-of date the year that
puts it nearest is taken (ambiguous); without one it is UNKNOWN.  Impossible
dates, month-first (US) dates and text with no date are UNKNOWN with a note:
ehxl never guesses silently.
"""
from __future__ import annotations

import calendar
import html
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
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

_TOKEN = re.compile(
    r"(?P<wc>\bw\s*/\s*c\.?\s*(?P<wcd>\d{1,2})\s*[./-]\s*(?P<wcm>\d{1,2})\b(?!\s*[./-]\s*\d))"
    r"|(?P<q>\bQ(?P<qn>[1-4])\s*(?P<qy1>\d{4})\s*[/-]\s*(?P<qy2>\d{2,4})\b)"
    r"|(?P<qb>\b(?P<qby1>\d{4})\s*[/-]\s*(?P<qby2>\d{2,4})\s*Q(?P<qbn>[1-4])\b)"
    r"|(?P<num>\b(?P<d>\d{1,2})\s*[./-]\s*(?P<m>\d{1,2})\s*[./-]\s*(?P<y>\d{4}|\d{2})(?!\d))"
    r"|(?P<dmy>\b(?P<dd>\d{1,2})\s*(?:st|nd|rd|th)?\s+(?P<dm>" + _MONTH_RE + r")\.?,?\s+(?P<dy>\d{4}|\d{2})\b)"
    r"|(?P<my>(?P<pre>\b(?:beg(?:inning)?|start|end|late|early|mid)\b\.?\s*(?:of\s+)?)?"
    r"\b(?P<mm>" + _MONTH_RE + r")\.?,?\s*(?P<my_y>\d{4}|\d{2})\b)",
    re.IGNORECASE,
)
_START_WORDS = re.compile(r"\b(from|starting|start(?:s|ed)?|commencing)\b", re.I)
_ONGOING = re.compile(r"\b(onwards|ongoing|on-going)\b", re.I)
_COMPLETE = re.compile(r"\bcomplet(?:e|ed)\b", re.I)
_REVIEW_BEFORE = re.compile(r"\breview\s*$", re.I)
_TAG = re.compile(r"<[^>]+>")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(quarter: int, fy_start_year: int) -> date:
    """Last day of financial quarter ``quarter`` (Q1 = Apr-Jun) of the year starting in April ``fy_start_year``."""
    month = 3 * quarter + 3
    year = fy_start_year
    if month > 12:
        month -= 12
        year += 1
    return month_end(year, month)


def financial_year(d: date) -> str:
    """date(2015, 3, 31) -> "2014-15"."""
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if y < 100 else y


def _clean(value: str) -> str:
    text = value
    if "<" in text:
        text = _TAG.sub(" \n ", text)
        text = html.unescape(text)
    # a word split by a line break in Word ("implement ation March 2018") does not matter: dates are tokens
    return re.sub(r"\s+", " ", text).strip()


def parse_date_text(value: object, *, as_of: date | None = None) -> ParsedDate:
    """Read one cell's date; see the module docstring for the rules."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ParsedDate(DateKind.EMPTY, None, None, (), "")
    if isinstance(value, datetime):
        d = value.date()
        return ParsedDate(DateKind.DEADLINE, d, None, (d,), d.isoformat())
    if isinstance(value, date):
        return ParsedDate(DateKind.DEADLINE, value, None, (value,), value.isoformat())
    if isinstance(value, bool):
        return ParsedDate(DateKind.UNKNOWN, None, None, (), str(value), note="a true/false value is not a date")
    if isinstance(value, (int, float)):
        return _serial(value)
    return _parse_text(_clean(str(value)), as_of)



def _serial(value: float) -> ParsedDate:
    text = str(value)
    if 1 <= value <= 2958465:
        d = date(1899, 12, 30) + timedelta(days=int(value))
        return ParsedDate(DateKind.DEADLINE, d, None, (d,), text)
    return ParsedDate(DateKind.UNKNOWN, None, None, (), text, note=f"{text} is not a date")


@dataclass
class _Found:
    date: date
    start: int
    end: int
    is_start: bool = False
    is_review: bool = False
    month_only: bool = False

    def as_start(self) -> date:
        """A month given as a start means its first day."""
        return self.date.replace(day=1) if self.month_only else self.date


@lru_cache(maxsize=8192)
def _parse_text(text: str, as_of: date | None) -> ParsedDate:
    found: list[_Found] = []
    notes: list[str] = []
    ambiguous = False
    last_end = 0
    for m in _TOKEN.finditer(text):
        d, note, amb = _token_date(m, as_of)
        if note:
            notes.append(note)
        ambiguous |= amb
        if d is None:
            continue
        between = text[last_end: m.start()]
        month_only = bool(m.group("my")) and not (m.group("pre") or "").lower().startswith(("beg", "start", "early"))
        found.append(_Found(d, m.start(), m.end(), bool(_START_WORDS.search(between)),
                            bool(_REVIEW_BEFORE.search(text[: m.start()])), month_only))
        last_end = m.end()
    if not found:
        if not notes and _ONGOING.search(text):
            return ParsedDate(DateKind.ONGOING, None, None, (), text)
        note = "; ".join(notes) or "no date found"
        return ParsedDate(DateKind.UNKNOWN, None, None, (), text, note=note)
    dates = tuple(f.date for f in found)
    starts = [f for f in found if f.is_start]
    start = starts[0].as_start() if starts else None
    deadlines = [f for f in found if not f.is_start]
    note = "; ".join(notes)
    if _COMPLETE.search(text):
        return ParsedDate(DateKind.COMPLETED, found[0].date, start, dates, text, ambiguous, note)
    ongoing = _ONGOING.search(text)
    if ongoing:
        before_ongoing = [f for f in deadlines if f.end <= ongoing.start()]
        if len(found) > 1 and len(before_ongoing) > 1:
            firm = before_ongoing[:-1]
            note = note or (f"the cell holds a deadline ({firm[-1].date:%d/%m/%Y}) and an ongoing part; "
                            f"ehxl uses the deadline")
            return ParsedDate(DateKind.DEADLINE, firm[-1].date, start, dates, text, True, note)
        begin = start or found[0].as_start()
        return ParsedDate(DateKind.ONGOING, begin, begin, dates, text, ambiguous, note)
    if not deadlines:
        return ParsedDate(DateKind.ONGOING, start, start, dates, text, ambiguous, note)
    reviews = [f for f in deadlines if f.is_review]
    firm = [f for f in deadlines if not f.is_review]
    if reviews and starts and not firm:
        note = note or "the cell holds a start and a review date but no deadline; ehxl uses the review date"
        return ParsedDate(DateKind.DEADLINE, reviews[-1].date, start, dates, text, True, note)
    if reviews and firm:
        note = note or (f"the cell holds a deadline and a review date; ehxl uses the deadline "
                        f"{firm[-1].date:%d/%m/%Y}")
        return ParsedDate(DateKind.DEADLINE, firm[-1].date, start, dates, text, True, note)
    if len(deadlines) > 1:
        return ParsedDate(DateKind.MILESTONES, deadlines[-1].date, start, dates, text, ambiguous, note)
    return ParsedDate(DateKind.DEADLINE, deadlines[0].date, start, dates, text, ambiguous, note)


def _token_date(m: re.Match, as_of: date | None) -> tuple[date | None, str, bool]:
    try:
        if m.group("wc"):
            return _week_commencing(int(m.group("wcd")), int(m.group("wcm")), as_of, m.group(0))
        if m.group("q"):
            return quarter_end(int(m.group("qn")), int(m.group("qy1"))), "", False
        if m.group("qb"):
            return quarter_end(int(m.group("qbn")), int(m.group("qby1"))), "", False
        if m.group("num"):
            return _day_month_year(int(m.group("d")), int(m.group("m")), _year(m.group("y")), m.group(0))
        if m.group("dmy"):
            return _day_month_year(int(m.group("dd")), MONTHS[m.group("dm").lower()], _year(m.group("dy")),
                                   m.group(0))
        if m.group("my"):
            year, month = _year(m.group("my_y")), MONTHS[m.group("mm").lower()]
            pre = (m.group("pre") or "").lower()
            if pre.startswith(("beg", "start", "early")):
                return date(year, month, 1), "", False
            return month_end(year, month), "", False
    except ValueError:
        pass
    return None, f"\"{m.group(0)}\" is not a date", False


def _day_month_year(day: int, month: int, year: int, raw: str) -> tuple[date | None, str, bool]:
    try:
        return date(year, month, day), "", False
    except ValueError:
        pass
    if month > 12 and day <= 12:
        try:
            date(year, day, month)
            return None, f"\"{raw}\" looks month-first (US style); write the day first, e.g. {month}/{day}/{year}", False
        except ValueError:
            pass
    name = calendar.month_name[month] if 1 <= month <= 12 else f"month {month}"
    return None, f"{day} {name} {year} is not a date", False


def _week_commencing(day: int, month: int, as_of: date | None, raw: str) -> tuple[date | None, str, bool]:
    if as_of is None:
        return None, f"\"{raw}\" has no year; write the full date, e.g. {day}/{month}/2016", False
    options = []
    for year in (as_of.year - 1, as_of.year, as_of.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:
            continue
    if not options:
        return None, f"\"{raw}\" is not a date", False
    best = min(options, key=lambda d: abs((d - as_of).days))
    return best, f"week commencing {best:%d/%m} has no year; ehxl assumed {best.year}", True
