"""Action plans as staff lay them out, read from a :class:`~ehxl.grid.SheetGrid`.

Plans arrive as Word tables pasted into Excel or as sheets built over years, so
the reader expects the quirks DOMAIN.md lists rather than a template:

* the header row is found anywhere in the first rows (title and vision rows
  above it are skipped) by recognising column names through synonyms;
* a column whose header is blank but whose values look like ``1.1``, ``2.3``
  is taken as the reference column;
* the header repeated mid-table (a Word table pasted across pages) is skipped;
* a theme row (``1. Theme: ...``, merged across or not) sets the theme of the
  rows below it;
* a group column (matrix area, theme, priority) written once is filled down
  until a theme row or a new value in it starts another block; per-action
  fields (level, status, deadline, owner, progress, update) are never filled
  down, so a blank there stays a blank and is reported, not invented;
* a row with no reference, owner, status, level or new group value continues
  the action above it (Word split the cell across a page break): its text is
  appended, so "By" and "1.4.15." become "By 1.4.15.";
* legend rows under the table ("Green – Complete") set what colours mean;
* HTML fragments (``<p>``, ``<ul>``) are turned into plain lines.

Status comes from the status word, the status cell's fill colour, or both; the
word wins when they disagree, and the disagreement is reported.  An action is
complete when its status means complete under the legend, its progress is
100%, or its deadline cell says it was completed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple

from . import rag
from .deadlines import DateKind, ParsedDate, parse_date_text
from .findings import Finding, error, warning, where
from .grid import EMPTY, GridCell, SheetGrid, a1, column_letter
from .owners import OwnerRegister, looks_like_owner, person_part, resolve, split_owners

# Column synonyms, compared after normalise_header().  Order matters only for
# ties: the first field listed whose synonym matches a header wins it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "reference", "ref no", "no", "number", "action no", "action number", "action ref",
            "id", "#", "item", "item no"),
    "theme": ("theme", "priority", "matrix area", "area", "strand", "workstream", "objective",
              "priority area", "key priority"),
    "outcome": ("outcome", "outcomes", "intended outcome", "expected outcome", "what we want to achieve"),
    "action": ("action", "actions", "task", "tasks", "description", "activity", "action required",
               "what we will do", "action description", "action to be taken", "actions to be taken", "key action",
               "key actions", "what will we do"),
    "owner": ("owner", "owners", "by whom", "lead", "lead officer", "responsible officer", "responsible",
              "who", "accountable officer", "responsibility", "action owner", "lead person", "officer",
              "responsible person", "person responsible", "who is responsible", "named lead", "lead officers",
              "lead agency", "owner name", "responsible lead", "accountable lead", "accountable"),
    "revised": ("revised date", "revised deadline", "new deadline", "revised end date", "new date",
                "revised timescale", "revised by when"),
    "deadline": ("deadline", "by when", "timescale", "timescales", "end date", "due date", "due",
                 "target date", "completion date", "date due", "by", "when", "target completion date", "target",
                 "timeframe", "time frame", "timeline", "date for completion", "deadline date",
                 "expected completion date", "due by", "complete by", "completion by", "to be completed by"),
    "start": ("start", "start date", "from", "date started", "start by"),
    "status": ("status", "rag", "rag status", "progress", "rag rating", "current status", "delivery status",
               "progress status", "overall status"),
    "progress_pct": ("progress %", "% progress", "% complete", "percent complete", "percentage complete",
                     "progress percent", "% completed"),
    "update": ("update", "updates", "progress update", "achievement to date", "comments", "comment",
               "comments updates", "commentary", "latest update", "notes", "progress to date", "evidence",
               "progress comments", "progress notes", "latest position", "current position",
               "update on progress", "commentary update", "progress commentary"),
    "next_steps": ("next steps", "next steps action", "next step"),
    "rationale": ("rationale", "reason", "why"),
    "impact": ("impact measure", "impact measures", "impact", "measure", "success measure",
               "measures of success", "how will we know", "success criteria"),
    "level": ("progress level", "maturity level", "level", "matrix level"),
    "quarter_completed": ("quarter completed", "date completed", "completed"),
}

#: Group fields: a blank cell takes the value above within the same theme or area block.  Nothing else is
#: filled down: a blank level, status or deadline belongs to that action alone.
FILL_DOWN = ("theme",)

#: Headers that start this way are updates ("Progress As at 2.11.15").
_UPDATE_PREFIXES = ("progress as at", "progress as of", "update as at", "update as of", "progress at",
                    "position as at", "progress update")

_REF_RE = re.compile(r"^[A-Za-z]{0,3}\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?\.?$")
_THEME_RE = re.compile(r"^\s*(?:\d{1,3}\s*\.\s*(?![\d])|theme\b|priority\s*\d*\s*[:.-]|section\s+\d)", re.I)
_THEME_LABEL_RE = re.compile(r"^\s*(?:\d{1,2}\s*\.\s*)?(?:theme|priority|section)?\s*\d*\s*[:.\-–]?\s*", re.I)
_PCT_RE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_TAG_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)[^>]*>")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4"}


_DUE_KINDS = frozenset((DateKind.DEADLINE, DateKind.MILESTONES))
#: Enum members that every action is tested against, named once: Python 3.11 takes about 100 ns to read a member
#: off its class, as long as the rest of :attr:`Action.complete`.
_COMPLETE, _COMPLETED, _ONGOING = rag.Meaning.COMPLETE, DateKind.COMPLETED, DateKind.ONGOING
#: A deadline of these kinds, clear and not revised, gives :func:`_check_deadline` nothing to say.
_QUIET_KINDS = frozenset(DateKind) - {DateKind.EMPTY, DateKind.UNKNOWN}


class RowCells(Mapping[str, str]):
    """The cell each field of one row came from ("deadline" -> "F12"): the plan's column letters, shared by
    all its actions, and the row, rather than a dict of nine strings per action."""

    __slots__ = ("letters", "row")

    def __init__(self, letters: Mapping[str, str], row: int) -> None:
        self.letters, self.row = letters, row

    def __getitem__(self, fld: str) -> str:
        return self.letters[fld] + str(self.row)

    def get(self, fld: str, default: str | None = None) -> str | None:
        letters = self.letters.get(fld)
        return default if letters is None else letters + str(self.row)

    def __contains__(self, fld: object) -> bool:
        return fld in self.letters

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(slots=True)
class Action:
    """One action of a plan, with the sheet cell each of its fields came from.

    Slotted: a 20,000-row plan holds 20,000 of them, and each would otherwise carry a dict of its fields."""

    sheet: str
    row: int
    ref: str | None = None
    theme: str | None = None
    outcome: str = ""
    action: str = ""
    owner_text: str = ""
    owners: list[str] = field(default_factory=list)
    deadline_text: str = ""
    deadline: ParsedDate | None = None
    revised: ParsedDate | None = None
    start: ParsedDate | None = None
    status_word: str = ""
    status_fill: str | None = None
    status: str | None = None
    meaning: rag.Meaning | None = None
    progress: float | None = None
    update: str = ""
    level: int | None = None
    cells: Mapping[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def due(self) -> date | None:
        """The deadline that counts: a revised one wins over the original."""
        revised, deadline = self.revised, self.deadline
        if revised is not None and revised.kind in _DUE_KINDS and revised.date:
            return revised.date
        if deadline is not None and deadline.kind in _DUE_KINDS and deadline.date:
            return deadline.date
        return None

    @property
    def ongoing(self) -> bool:
        """No deadline because the work carries on ("From 1.4.15", "Jan 2021 onwards")."""
        marked = any(p is not None and p.kind is _ONGOING for p in (self.revised, self.deadline, self.start))
        onwards = self.start is not None and bool(re.search(r"\b(onwards|ongoing)\b", self.start.text, re.I))
        return (marked or onwards) and self.due is None

    @property
    def complete(self) -> bool:
        if self.meaning is _COMPLETE:
            return True
        if self.progress is not None and self.progress >= 1.0:
            return True
        revised, deadline = self.revised, self.deadline
        return (revised is not None and revised.kind is _COMPLETED) or \
            (deadline is not None and deadline.kind is _COMPLETED)

    @property
    def label(self) -> str:
        """How a message names the action: its reference, or its row."""
        return f"action {self.ref}" if self.ref else f"the action in row {self.row}"

    def cell(self, fld: str) -> str:
        return self.cells.get(fld) or a1(self.row, 1)


@dataclass
class Plan:
    """The actions read from one sheet, and how the sheet was understood."""

    sheet: str
    header_row: int
    columns: dict[str, int]
    actions: list[Action]
    legend: rag.Legend
    findings: list[Finding] = field(default_factory=list)


# ---------------------------------------------------------------- text helpers

def clean_text(value: str) -> str:
    """Plain text from a cell: HTML fragments become lines, spacing is tidied.

    A short tidy text is checked on the spot, which costs no more than a cache
    lookup and keeps the cache from holding every action's text; the rest is
    cached, because a workbook can point thousands of cells at one long shared
    string: its hash is computed once and the work is done once.
    """
    if len(value) < _SHORT and not _needs_cleaning(value):
        return value.strip()
    return _clean_text(value)


def _needs_cleaning(value: str) -> bool:
    """Whether a text holds more than stripping tidies: a tag, a line break, a tab, a non-breaking or a double
    space (six ``in`` tests: five times faster than one regular-expression search for them)."""
    return "<" in value or "\n" in value or "\r" in value or "\t" in value or "\u00a0" in value or "  " in value


_SHORT = 200


@lru_cache(maxsize=65536)
def _clean_text(value: str) -> str:
    if not _needs_cleaning(value):
        return value.strip()
    text = value
    if "<" in text and ">" in text:
        text = _TAG_RE.sub(lambda m: "\n" if m.group(2).lower() in _BLOCK_TAGS else "", text)
        from html import unescape     # here: its table of entities loads only for text with tags

        text = unescape(text)
    lines = (re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.replace("\r", "\n").split("\n"))
    return "\n".join(ln for ln in lines if ln)


def cell_text(value: object) -> str:
    """A cell's value as plain text; a real date cell reads as a UK date (31/03/2021)."""
    if type(value) is str:
        return clean_text(value)
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)) if not isinstance(value, str) else clean_text(value)


_PAGE_NUMBER = re.compile(r"^\d+\s+(?=[a-z])")
_NOT_HEADER = re.compile(r"[^a-z0-9#% ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise_header(text: str) -> str:
    """Header text reduced for matching: case, spacing, punctuation and "(%)" don't matter."""
    t = clean_text(text).lower().replace("(%)", " %").replace("%", " % ").replace("(s)", "")
    t = _PAGE_NUMBER.sub("", t)                     # a stray page number before the name ("18 Action No.")
    t = _NOT_HEADER.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


@lru_cache(maxsize=65536)
def header_field(text: str) -> str | None:
    """The field a header names, or None.  Cached: the first 40 rows of every sheet are asked, twice."""
    norm = normalise_header(text)
    if not norm:
        return None
    if norm.startswith(_UPDATE_PREFIXES):
        return "update"
    for fld, names in SYNONYMS.items():
        if norm in names:
            return fld
    words = set(norm.split())
    if "%" in words and words & {"progress", "complete", "completed"}:
        return "progress_pct"
    if "rag" in words:                                    # "Progress (RAG)", "RAG (Q3)", "Status / RAG"
        return "status"
    if words & {"revised", "new", "amended"} and words & {"date", "deadline", "timescale", "when", "end"}:
        return "revised"                                  # "Target date (revised)"
    return None


_WORD = re.compile(r"[a-z0-9]+")


def _longest_word(norm: str) -> str:
    """The longest run of letters and digits in a normalised header ('' if it has none)."""
    return max(_WORD.findall(norm), key=len, default="")


def _may_name(text: str, word: str) -> bool:
    """False only where ``normalise_header(text)`` cannot hold ``word``: a cheap test before the regexes.

    Normalising splits words but never joins letters that were apart, except by
    dropping "(s)" or HTML tags; so short of those, each word of the result is
    already in the lower-cased text."""
    if not word:
        return True
    lowered = text.lower()
    return word in lowered or "(s)" in lowered or "<" in text


def theme_name(text: str) -> str:
    """"1. Theme: Early Help Performance Framework" -> "Early Help Performance Framework"."""
    first = clean_text(text).split("\n")[0]
    stripped = _THEME_LABEL_RE.sub("", first, count=1).strip()
    return stripped or first.strip()


def parse_percent(value: object) -> list[float]:
    """Every percentage a cell holds, as fractions (a cell may hold "100%\\n0%")."""
    if value is None or value == "":
        return []
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        v = float(value)
        return [v / 100 if v > 1 else v]
    found = [float(m) / 100 for m in _PCT_RE.findall(str(value))]
    if found:
        return found
    try:
        v = float(str(value).strip())
    except ValueError:
        return []
    return [v / 100 if v > 1 else v]


# ----------------------------------------------------------- finding the table

def _header_candidates(grid: SheetGrid, max_scan: int = 40) -> list[tuple[int, dict[str, int]]]:
    found = []
    for r in list(grid.rows())[:max_scan]:
        fields: dict[str, int] = {}
        for c, text in sorted(grid.row_texts(r).items()):
            fld = header_field(text)
            if fld and fld not in fields:
                fields[fld] = c
        if len(fields) >= 3 and fields.keys() & {"action", "owner", "deadline", "outcome"}:
            found.append((r, fields))
    return found


def find_header(grid: SheetGrid, overrides: Mapping[str, str] | None = None) -> tuple[int, dict[str, int]] | None:
    """The header row and the column of each recognised field."""
    candidates = _header_candidates(grid)
    if overrides:
        candidates += _override_candidates(grid, overrides)
    if not candidates:
        return None
    row, fields = max(candidates, key=lambda rc: (len(rc[1]), -rc[0]))
    if overrides:
        fields = _apply_overrides(grid, row, fields, overrides)
    if "ref" not in fields:
        ref_col = _infer_ref_column(grid, row, fields)
        if ref_col:
            fields["ref"] = ref_col
    return row, fields


def _override_candidates(grid: SheetGrid, overrides: Mapping[str, str]) -> list[tuple[int, dict[str, int]]]:
    wanted = {normalise_header(v): k for k, v in overrides.items()}
    out = []
    for r in list(grid.rows())[:40]:
        hits = {wanted[normalise_header(t)]: c for c, t in grid.row_texts(r).items() if normalise_header(t) in wanted}
        if hits:
            base = {header_field(t): c for c, t in grid.row_texts(r).items() if header_field(t)}
            base.update(hits)
            if len(base) >= 2:
                out.append((r, base))
    return out


def _apply_overrides(grid: SheetGrid, row: int, fields: dict[str, int],
                     overrides: Mapping[str, str]) -> dict[str, int]:
    fields = dict(fields)
    for c, t in grid.row_texts(row).items():
        for fld, header in overrides.items():
            if normalise_header(t) == normalise_header(header):
                fields = {k: v for k, v in fields.items() if v != c}
                fields[fld] = c
    return fields


def _infer_ref_column(grid: SheetGrid, header_row: int, fields: dict[str, int]) -> int | None:
    """A blank-headed column whose values mostly look like references (1.1, 2.3)."""
    used = set(fields.values())
    first_field_col = min(used)
    for c in range(1, first_field_col + 1):
        if c in used or grid.text(header_row, c):
            continue
        values = [grid.text(r, c) for r in range(header_row + 1, min(grid.max_row, header_row + 200) + 1)]
        values = [v for v in values if v]
        refs = [v for v in values if _REF_RE.match(v)]
        if values and len(refs) >= max(1, len(values) // 2):
            return c
    return None


# ------------------------------------------------------------- reading the rows

def looks_like_action_plan(grid: SheetGrid) -> float:
    """How sure we are this sheet is an action plan (0..1)."""
    found = find_header(grid)
    if not found:
        return 0.0
    _, fields = found
    core = len(fields.keys() & {"action", "owner", "deadline", "status", "ref"})
    return min(1.0, 0.2 * core + 0.05 * len(fields))


def read_action_plan(grid: SheetGrid, *, columns: Mapping[str, str] | None = None,
                     legend: rag.Legend | None = None, release_rows: bool = False) -> Plan | None:
    """Read the actions of one sheet; None when no action-plan header is found.

    With ``release_rows`` (for a caller that has no more use for the grid) each row under the header is dropped
    from the grid once read, so a large plan's cells and its actions are not all held at once.  Rows from a level
    grid under the plan on, and every row of a plan with a level column, stay: maturity reads those."""
    found = find_header(grid, columns)
    if not found:
        return None
    header_row, cols = found
    header_texts = {c: normalise_header(grid.text(header_row, c)) for c in cols.values()}
    reader = _RowReader(grid, header_row, cols, header_texts)
    release_rows = release_rows and "level" not in cols
    for r in grid.rows():
        if r > header_row:
            reader.take(r)
            if release_rows and not reader.stopped:
                del grid.cells[r]
    sheet_legend = rag.legend_from_lines(reader.legend_lines, legend or rag.DEFAULT_LEGEND)
    plan_legend = legend if legend is not None and legend.source == "config" else (sheet_legend or legend
                                                                                   or rag.DEFAULT_LEGEND)
    plan = Plan(grid.name, header_row, cols, reader.actions, plan_legend)
    lookups = _Lookups.under(plan_legend)
    for act in plan.actions:
        plan.findings += _settle(act, plan_legend, lookups)
    return plan


class _RowReader:
    """Walks the rows under the header, sorting them into actions, themes, legends and continuations."""

    def __init__(self, grid: SheetGrid, header_row: int, cols: dict[str, int], header_texts: dict[int, str]):
        self.grid, self.header_row, self.cols, self.header_texts = grid, header_row, cols, header_texts
        self.actions: list[Action] = []
        self.legend_lines: list[str] = []
        self.theme: str | None = None
        self.group: dict[str, str] = {}
        self._row = header_row
        self.letters = {fld: column_letter(c) for fld, c in cols.items()}
        self.stopped = False
        self.first_col = min(cols.values())
        self.last_col = max(cols.values())
        self._named = [(c, h, _longest_word(h)) for c, h in header_texts.items() if h]
        # matches a repeated header must reach; a row with fewer texts than that cannot be one
        self._header_needs = max(2, (len(self._named) * 6 + 9) // 10) if self._named else len(cols) + 10**6
        self._field_of: dict[int, str] = {}
        self._aliases: list[tuple[str, str]] = []          # (field, the field read from the same column)
        for fld, c in cols.items():
            if c in self._field_of:
                self._aliases.append((fld, self._field_of[c]))
            else:
                self._field_of[c] = fld
        self._seen: dict[str, tuple[str, str]] = {}
        self._seen_other: dict[tuple[type, object], tuple[str, str]] = {}
        self._lead = min(cols, key=lambda f: cols[f])

    def take(self, r: int) -> None:
        self._row = r
        row = self.grid.cells.get(r)
        if not row or self.stopped:
            return
        texts, values = self._texts(row)
        if not texts:
            return
        joined = "\n".join(texts.values())
        lowered = joined.lower()
        if self._is_level_grid(texts, lowered):
            self.stopped = True
            return
        if self._is_repeated_header(texts):
            return
        if self._is_legend(texts):
            self.legend_lines += list(texts.values())
            return
        if self._is_theme_row(texts):
            self.theme = theme_name(next(iter(texts.values())))
            self.group.clear()
            return
        if not values:
            return
        if self._is_continuation(values):
            self._continue(self.actions[-1], r, values)
            return
        self.actions.append(self._new_action(r, row, values))

    def _texts(self, row: dict[int, GridCell]) -> tuple[dict[int, str], dict[str, str]]:
        """The row's texts by column (as :func:`~ehxl.grid.row_texts`), and the plain text of each field's cell
        (:func:`cell_text`), for those that have any.  Most cells of a plan point at a shared string (a status,
        an owner, a standing update), so each distinct value is worked out once and its texts are one object
        each, however many actions hold them."""
        texts: dict[int, str] = {}
        values: dict[str, str] = {}
        seen, field_of = self._seen, self._field_of
        for c, cell in row.items():
            text, plain = seen.get(value := cell[0]) or self._see(value)
            if text:
                texts[c] = text
            if plain and (fld := field_of.get(c)):
                values[fld] = plain
        for fld, same in self._aliases:
            if same in values:
                values[fld] = values[same]
        return texts, values

    def _see(self, value: object) -> tuple[str, str]:
        """:func:`~ehxl.grid.row_texts`' text and :func:`cell_text` of a value not seen before (kept for the next
        time; a number is kept by type and value, since 1, 1.0 and True are equal keys but read differently)."""
        if type(value) is str:
            text = value.strip()
            both = self._seen[value] = (text, text if len(value) < _SHORT and not _needs_cleaning(value)
                                        else cell_text(value))     # cell_text's own shortcut, without its calls
            return both
        key = (type(value), value)
        both = self._seen_other.get(key)
        if both is None:
            text = "" if value is None else str(value).strip()
            both = self._seen_other[key] = (text, cell_text(value))
        return both

    @staticmethod
    def _is_level_grid(texts: dict[int, str], lowered: str) -> bool:
        """A maturity grid ("Progress | 1 | 2 | 3 | 4") or its key under the plan ends the plan.
        ``lowered``: the row's texts joined by newlines, lower-cased."""
        if "levels of progress" in lowered:
            return True
        if len(texts) != 5:
            return False
        numbers = [t for c, t in sorted(texts.items())[1:]]
        return numbers == ["1", "2", "3", "4"]

    def _is_repeated_header(self, texts: dict[int, str]) -> bool:
        """Whether enough of the header's columns hold their header's text again.  A column that cannot is
        found by :func:`_may_name`'s cheap test; once too many columns cannot, the row is no header, and a plain
        row gets there in a few columns, normalising no text."""
        needs = self._header_needs
        if len(texts) < needs:
            return False
        spare = len(self._named) - needs            # columns that may miss while the row can still be a header
        maybe = []
        for c, h, word in self._named:
            t = texts.get(c)
            if t is not None and len(t) <= 60 and _may_name(t, word):
                maybe.append((t, h))
            elif spare:
                spare -= 1
            else:
                return False
        return sum(normalise_header(t) == h for t, h in maybe) >= needs

    def _is_legend(self, texts: dict[int, str]) -> bool:
        if len(texts) > 6:                              # each text is a line at least: more than a legend has
            return False
        lines = [ln for t in texts.values() for ln in t.split("\n") if ln.strip()]
        return bool(lines) and len(lines) <= 6 and all(rag.parse_legend_line(ln) for ln in lines)

    def _is_theme_row(self, texts: dict[int, str]) -> bool:
        distinct = set(texts.values())
        if len(distinct) != 1:
            return False
        col = min(texts)
        text = next(iter(distinct))
        if _REF_RE.match(text):
            return False
        in_lead_column = col <= self.cols.get("ref", self.first_col) or col == self.first_col
        spans = len(texts) > 1 or self._merged_across(col)
        return bool(_THEME_RE.match(text)) and (in_lead_column or spans)

    def _merged_across(self, col: int) -> bool:
        """Whether the cell being read is the top-left of a range merged across columns."""
        r = self._row
        return any(r1 == r and c1 == col and c2 > c1 for r1, c1, r2, c2 in self.grid.merged)

    def _is_continuation(self, values: dict[str, str]) -> bool:
        if not self.actions:
            return False
        if values.get("ref") or values.get("owner") or values.get("status") or values.get("level"):
            return False
        if self._starts_group(values):
            return False
        if "ref" not in self.cols and values.get(self._lead):
            return False
        return True

    def _starts_group(self, values: dict[str, str]) -> bool:
        """A row naming a new matrix area or theme is an action of that area, never the tail of the one above."""
        return any(values.get(fld) and values[fld] != self.group.get(fld) for fld in FILL_DOWN)

    def _continue(self, act: Action, r: int, values: dict[str, str]) -> None:
        for fld, text in values.items():
            if text:
                joiner = " " if fld in ("deadline", "revised", "start", "owner") else "\n"
                act.texts[fld] = (act.texts.get(fld, "") + joiner + text).strip()

    def _new_action(self, r: int, row: dict[int, GridCell], values: dict[str, str]) -> Action:
        self._fill_groups(values)
        status_col = self.cols.get("status")
        theme = values.get("theme") or self.theme
        if "theme" in self.cols and values.get("theme"):
            theme = clean_text(values["theme"]).split("\n")[0]
        return Action(self.grid.name, r, theme=theme, cells=RowCells(self.letters, r), texts=values,
                      status_fill=row.get(status_col, EMPTY).fill if status_col else self._row_fill(r))

    def _fill_groups(self, values: dict[str, str]) -> None:
        """Blank group cells take the block's value; a written one starts a new block."""
        for fld in FILL_DOWN:
            if fld not in self.cols:
                continue
            if values.get(fld):
                self.group[fld] = values[fld]
            elif self.group.get(fld):
                values[fld] = self.group[fld]

    def _row_fill(self, r: int) -> str | None:
        """Without a status column, the first RAG-coloured cell of the row carries the status."""
        skip = {self.cols.get(f) for f in ("deadline", "revised", "start")}
        for c in range(self.first_col, self.last_col + 1):
            fill = self.grid.cell(r, c).fill
            if c not in skip and fill and rag.classify_rgb(fill):
                return fill
        return None


# ------------------------------------------------------ settling each action

class _Memo(dict):
    """``work(key)``, once per distinct key: a plan repeats a handful of status words, owner cells and dates."""

    def __init__(self, work: Callable[[str], object]) -> None:
        super().__init__()
        self.work = work

    def __missing__(self, key: str) -> object:
        found = self[key] = self.work(key)
        return found


class _Lookups(NamedTuple):
    """What settling one plan's actions asks again and again, each worked out once per distinct text."""

    statuses: _Memo             # status word -> rag.status_from_word under the plan's legend
    owners: _Memo               # owner text -> the owners as listed in reports (a tuple)
    dates: _Memo                # date text -> parse_date_text

    @classmethod
    def under(cls, legend: rag.Legend) -> "_Lookups":
        return cls(_Memo(lambda word: rag.status_from_word(word, legend)), _Memo(_owner_names), _Memo(parse_date_text))


def _settle(act: Action, legend: rag.Legend, lookups: _Lookups) -> list[Finding]:
    """Turn an action's raw texts into typed fields; report what cannot be read."""
    t = act.texts
    out: list[Finding] = []
    act.ref = t.get("ref", "").split("\n")[0].strip() or None
    act.outcome = t.get("outcome", "")
    act.action = t.get("action", "") or t.get("next_steps", "") or t.get("outcome", "")
    act.owner_text = t.get("owner", "")
    act.owners = list(lookups.owners[act.owner_text])
    act.update = t.get("update", "")
    act.deadline_text = t.get("deadline", "")
    act.deadline = lookups.dates[act.deadline_text] if "deadline" in act.cells else None
    if t.get("revised"):
        act.revised = lookups.dates[t["revised"]]
    if t.get("start"):
        act.start = lookups.dates[t["start"]]
    act.level = _level(t["level"]) if "level" in t else None
    out += _settle_progress(act)
    out += _settle_status(act, legend, lookups.statuses)
    return out


_LEADING_NUMBER = re.compile(r"^\s*(\d+)")


def _level(text: str) -> int | None:
    m = _LEADING_NUMBER.match(text or "")
    return int(m.group(1)) if m else None


@lru_cache(maxsize=4096)
def _percents(text: str) -> tuple[float, ...]:
    """:func:`parse_percent` of a progress text, once per distinct text: a plan has a handful."""
    return tuple(parse_percent(text))


def _settle_progress(act: Action) -> list[Finding]:
    raw = act.texts.get("progress_pct", "")
    values = _percents(raw) if raw else ()
    if not values:
        return []
    act.progress = min(values)
    if len(values) > 1:
        shown = ", ".join(f"{v:.0%}" for v in values)
        return [warning("cell-several-values", act.sheet, act.cell("progress_pct"), act.row,
                        f"{where(act.sheet, act.cell('progress_pct'))} holds several progress values ({shown}); "
                        f"ehxl counts the lowest, {act.progress:.0%}. Give {act.label} one value or split it.")]
    return []


def _settle_status(act: Action, legend: rag.Legend, statuses: _Memo) -> list[Finding]:
    out: list[Finding] = []
    act.status_word = act.texts.get("status", "")
    by_word = statuses[act.status_word] if act.status_word else None
    fill_colour = rag.classify_rgb(act.status_fill) if act.status_fill else None
    if act.status_word and by_word is None:
        out.append(_status_warning(act, "status-unknown",
                                   f"says \"{_short(act.status_word)}\", which is not a status ehxl knows; "
                                   f"use Complete, In progress, Behind schedule or Not started, or a RAG colour."))
    if act.status_fill and fill_colour is None and not by_word:
        out.append(_status_warning(act, "status-unknown",
                                   f"is filled #{act.status_fill[-6:]}, which is not a RAG colour; "
                                   f"use green, amber, red (or blue/grey as your legend says)."))
    if by_word:
        act.status, act.meaning = by_word
        if fill_colour and fill_colour != act.status and legend.meanings.get(fill_colour) != act.meaning:
            out.append(_status_warning(act, "status-inconsistent",
                                       f"says \"{_short(act.status_word)}\" but is coloured {fill_colour}; "
                                       f"ehxl goes by the word. Make the colour and the word agree."))
    elif fill_colour:
        act.status, act.meaning = fill_colour, legend.meanings.get(fill_colour)
    if act.progress is not None and act.progress >= 1.0 and act.meaning not in (None, _COMPLETE):
        out.append(warning("status-inconsistent", act.sheet, act.cell("progress_pct"), act.row,
                           f"{where(act.sheet, act.cell('progress_pct'))} shows 100% but {act.label} is "
                           f"marked {act.meaning.value}; ehxl counts it complete. Update the status."))
    if act.status is None and act.meaning is None and not act.complete and ("status" in act.cells):
        if not act.status_word:
            out.append(_status_warning(act, "status-missing",
                                       f": {act.label} has no status (no word and no RAG colour).", sep=""))
    return out


def _status_warning(act: Action, rule: str, says: str, sep: str = " ") -> Finding:
    """A warning about the status cell, whose place is worked out only when there is something to say."""
    cell = act.cell("status")
    return warning(rule, act.sheet, cell, act.row, f"{where(act.sheet, cell)}{sep}{says}")


def _short(text: str, n: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


# --------------------------------------------------------------- validation

def validate(plan: Plan, *, as_of: date, register: OwnerRegister | None = None) -> list[Finding]:
    """Owners, deadlines, statuses, references and updates: every problem with its cell."""
    out = list(plan.findings)
    seen: dict[str, Action] = {}
    owners = _Memo(lambda text: resolve(text, register))     # a plan repeats a few hundred owner cells
    for act in plan.actions:
        out += _check_owner(act, register, owners)
        out += _check_deadline(act, as_of)
        if "status" not in plan.columns and act.status is None and not act.complete:
            out.append(warning("status-missing", act.sheet, act.cell("ref"), act.row,
                               f"{where(act.sheet, act.cell('ref'))}: {act.label} has no status "
                               f"(the sheet has no status column and the row has no RAG colour)."))
        if act.ref:
            key = act.ref.rstrip(".").lower()
            if key in seen:
                first = seen[key]
                out.append(error("duplicate-ref", act.sheet, act.cell("ref"), act.row,
                                 f"{where(act.sheet, act.cell('ref'))}: reference {act.ref} is used again "
                                 f"(first in row {first.row}); give each action its own reference."))
            else:
                seen[key] = act
    out += _check_updates(plan)
    return out


def _needs_update(act: Action) -> bool:
    """Red or amber by what a person sees; a complete action (100%, a completed date) owes no explanation."""
    return act.status in ("red", "amber") and not act.complete


def _check_updates(plan: Plan) -> list[Finding]:
    """Boards ask for an explanation beside every red and amber action: a blank update is a finding.

    Only the update column counts as commentary (update, "Progress As at ...",
    achievement to date, comments); a progress % or a status word explains nothing.
    """
    red_amber = [a for a in plan.actions if _needs_update(a)]
    if not red_amber:
        return []
    if "update" not in plan.columns:
        cell = a1(plan.header_row, min(plan.columns.values()))
        return [warning("update-missing", plan.sheet, cell, plan.header_row,
                        f"{where(plan.sheet, cell)}: the plan has red or amber actions but no update or "
                        f"progress-notes column; add one (for example 'Progress update') so each can be explained.")]
    return [warning("update-missing", a.sheet, a.cell("update"), a.row,
                    f"{where(a.sheet, a.cell('update'))}: {a.label} is {a.status} but has no update; boards ask "
                    f"for an explanation beside every red and amber action.")
            for a in red_amber if not a.update.strip()]


def _check_owner(act: Action, register: OwnerRegister | None, owners: _Memo) -> list[Finding]:
    """``owners``: :func:`~ehxl.owners.resolve` of an owner text against ``register``, whose lists are shared."""
    if "owner" not in act.cells:
        return _owner_missing(act, f"{act.label} has no owner column; add an Owner (or 'By whom') column.")
    if not act.owner_text:
        return _owner_missing(act, f"{act.label} has no owner; name the person or team responsible.")
    if not looks_like_owner(act.owner_text):
        return _owner_missing(act, f"\"{_short(act.owner_text)}\" does not name an owner for {act.label}; "
                                   f"name the person or team responsible.")
    if register is None:
        return []
    found, unknown = owners[act.owner_text]
    act.owners = list(found) + [person_part(u) for u in unknown]
    if not unknown:
        return []
    cell = act.cell("owner")
    place = where(act.sheet, cell)
    return [warning("owner-unknown", act.sheet, cell, act.row,
                    f"{place}: \"{u}\" is not in the owner register; add them to the Owners sheet "
                    f"or correct the name or initials.") for u in unknown]


def _owner_missing(act: Action, says: str) -> list[Finding]:
    cell = act.cell("owner")
    return [error("owner-missing", act.sheet, cell, act.row, f"{where(act.sheet, cell)}: {says}")]


def _check_deadline(act: Action, as_of: date) -> list[Finding]:
    parsed = act.deadline
    revised = act.revised
    if revised is None and parsed is not None and parsed.kind in _QUIET_KINDS and not parsed.ambiguous:
        return []
    cell = act.cell("deadline")
    place = where(act.sheet, cell)
    out: list[Finding] = []
    if parsed is None or parsed.kind is DateKind.EMPTY:
        if act.ongoing or act.complete:
            return []
        return [error("deadline-missing", act.sheet, cell, act.row,
                      f"{place}: {act.label} has no deadline; give a date such as 31/03/2026 "
                      f"(or write 'Ongoing').")]
    if parsed.kind is DateKind.UNKNOWN:
        note = f" ({parsed.note})" if parsed.note else ""
        out.append(error("deadline-unparsed", act.sheet, cell, act.row,
                         f"{place}: ehxl cannot read \"{_short(parsed.text)}\" as a date{note}; "
                         f"write it as a day such as 31/03/2026 or a month such as March 2026."))
    elif parsed.ambiguous:
        out.append(warning("deadline-ambiguous", act.sheet, cell, act.row,
                           f"{place}: \"{_short(parsed.text)}\" is not a single clear date; "
                           f"{parsed.note or 'ehxl made an assumption'}."))
    if revised is not None:
        rcell = act.cell("revised")
        if revised.kind is DateKind.UNKNOWN:
            out.append(error("deadline-unparsed", act.sheet, rcell, act.row,
                             f"{where(act.sheet, rcell)}: ehxl cannot read the revised date "
                             f"\"{_short(revised.text)}\"; write it as a day such as 31/03/2026."))
        elif revised.date and parsed.date and revised.date > parsed.date:
            slip = (revised.date - parsed.date).days
            out.append(warning("deadline-slipped", act.sheet, rcell, act.row,
                               f"{where(act.sheet, rcell)}: {act.label} has slipped {slip} days, from "
                               f"{parsed.date:%d/%m/%Y} to {revised.date:%d/%m/%Y}."))
    return out


# ------------------------------------------------------------- overdue

def overdue(actions: Iterable[Action], *, as_of: date, within: int = 30) -> tuple[list[Action], list[Action]]:
    """(overdue, due soon): not complete and due before as_of, or due within N days of it."""
    late, soon = [], []
    for act in actions:
        due = act.due
        if act.complete or due is None:
            continue
        if due < as_of:
            late.append(act)
        elif (due - as_of).days <= within:
            soon.append(act)
    late.sort(key=lambda a: (a.due, a.sheet, a.row))
    soon.sort(key=lambda a: (a.due, a.sheet, a.row))
    return late, soon


def owner_names(act: Action) -> list[str]:
    """The owners as listed in reports: resolved names, else the text as split."""
    if act.owners:
        return act.owners
    return list(_owner_names(act.owner_text))


def _owner_names(text: str) -> tuple[str, ...]:
    """The owners an owner cell names as split (none for prose)."""
    if not text or not looks_like_owner(text):
        return ()
    return tuple(person_part(t) for t in split_owners(text))
