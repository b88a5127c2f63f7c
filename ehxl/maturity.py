"""The Early Help maturity matrix: levels per action, declared levels per area, and whether they agree.

An action plan such as Coventry's gives each action a *progress level* (1-4)
under a *matrix area* written once and left blank below; a summary grid gives
one *declared* level per area (``Progress | 1 | 2 | 3 | 4`` with a mark under
the level).  The board wants to know whether the declared level is borne out
by the actions, so the computed level of an area is a summary of its actions'
levels:

* ``median`` (default): the median of the levels, rounded down, so a half-way
  median (1, 2, 3, 3 -> 2.5) never claims the higher level;
* ``mean``: the arithmetic mean, rounded down;
* ``min``: the lowest level (the weakest action sets the pace).

Areas are matched loosely between plan and grid (see :func:`match_area`); a
name that finds no partner and a declared level that differs from the computed
one are findings, never silent.  Levels are never invented: an area none of
whose actions gives a level has no computed level (``None``, JSON null) and a
``maturity-level-missing`` warning at its actions' level cells, so a declared
level beside it is reported as unchecked rather than passed.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from .findings import Finding, error, warning, where
from .grid import SheetGrid, a1, column_letter, split_a1
from .report import Cell, Chart, Series, SheetSpec

LEVELS = {1: "Basic", 2: "Early progress", 3: "Substantial progress", 4: "Maturity"}
METHODS = ("median", "mean", "min")
SHEET_NAME = "Maturity"

#: Other ways staff name the levels in a header or a level cell.
_LEVEL_WORDS = {
    "basic": 1, "basic level": 1,
    "early progress": 2, "early": 2,
    "substantial progress": 3, "substantial": 3,
    "maturity": 4, "mature": 4, "maturity level": 4,
}
_AREA_HEADERS = {"area", "matrix area", "strand", "theme", "domain", "element", "maturity area",
                 "progress", "area of practice"}
_LEVEL_HEADERS = {"level", "progress level", "maturity level", "current level", "self assessed level",
                  "self assessment", "declared level", "rating", "progress", "assessed level"}
_PLAN_HEADERS = ("action", "description", "lead", "owner", "timescale", "deadline", "by when",
                 "by whom", "achievement", "next steps", "update", "status")
_STOP_WORDS = {"and", "the", "of", "for", "in", "a", "an"}


@dataclass(frozen=True)
class ActionLevel:
    """One action's progress level as the plan writes it (the area filled down, the level never)."""

    area: str
    level: int | None
    sheet: str
    row: int
    cell: str


@dataclass(frozen=True)
class DeclaredLevel:
    """The level a summary grid declares for one area; ``cell`` is the mark or level cell."""

    area: str
    level: int
    sheet: str
    cell: str
    area_cell: str | None = None

    @property
    def row(self) -> int:
        return split_a1(self.cell)[0]


# --------------------------------------------------------------------------- levels

def parse_level(value: object) -> int | None:
    """The level written in a cell: a whole number, ``Level 2``, or a level name.

    Returns ``None`` for a blank cell and the number as written otherwise (the
    caller checks it lies in 1-4, so a 5 can be reported rather than lost).
    Raises ``ValueError`` for text that is not a level at all.
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ValueError(f"{value!r} is not a level")
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return int(value)
        raise ValueError(f"{value!r} is not a whole level")
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(?:level\s*)?(\d+(?:\.0+)?)\b\s*[-–:=.)]?\s*(.*)", text, re.I | re.S)
    if m:
        return int(float(m.group(1)))
    name = _norm_words(text)
    if name in _LEVEL_WORDS:
        return _LEVEL_WORDS[name]
    raise ValueError(f"'{text}' is not a level")


def _level_header(value: object) -> int | None:
    """A level column's header: 1-4 as a number, ``Level 3``, ``3 Substantial progress`` or the name alone.

    Strict on purpose, so an audit grade header such as ``1=POOR`` is not taken for a level.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and int(value) in LEVELS else None
    text = str(value or "").strip()
    m = re.fullmatch(r"(?:level\s*)?([1-4])(?:\.0)?\s*(?:[-–:=.)]\s*)?(.*)", text, re.I | re.S)
    if m:
        rest = _norm_words(m.group(2))
        return int(m.group(1)) if not rest or _LEVEL_WORDS.get(rest) == int(m.group(1)) else None
    return _LEVEL_WORDS.get(_norm_words(text)) if text else None


def computed_level(levels: list[int], method: str = "median") -> int | None:
    """Summarise valid levels (1-4) by ``method``, rounded down; ``None`` when there are none."""
    method = method.strip().lower()
    if method not in METHODS:
        raise ValueError(f"unknown maturity method '{method}' (use one of: {', '.join(METHODS)})")
    if not levels:
        return None
    if method == "min":
        return min(levels)
    if method == "mean":
        return sum(levels) // len(levels)
    return int(statistics.median(levels) // 1)


# --------------------------------------------------------------------------- area names

def _norm_words(text: str) -> str:
    text = str(text).casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return [t[:-1] if len(t) > 3 and t.endswith("s") else t
            for t in _norm_words(text).split() if t not in _STOP_WORDS]


def area_score(a: str, b: str) -> float:
    """How alike two area names are, 0-1.

    1.0 for the same words ignoring case, punctuation and ``&``/``and``; 0.9
    when one is the initials of the other (``QA``); otherwise the share of
    words in common over the longer name, with plurals folded (so
    ``Integrated performance monitoring`` and ``Integrated Performance
    Management`` score 2/3).
    """
    if _norm_words(a) == _norm_words(b):
        return 1.0
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    for short, long_ in ((ta, tb), (tb, ta)):
        if len(short) == 1 and len(long_) > 1 and short[0] == "".join(t[0] for t in long_):
            return 0.9
    shared = len(set(ta) & set(tb))
    return shared / max(len(set(ta)), len(set(tb)))


def _is_match(a: str, b: str, score: float) -> bool:
    if score >= 0.6:
        return True
    ta, tb = set(_tokens(a)), set(_tokens(b))
    return bool(ta and tb) and (ta <= tb or tb <= ta)


def match_area(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate that names the same area as ``name``, or ``None``.

    Loose on purpose: case, punctuation, ``&``/``and``, small words (and, of,
    the) and plurals are ignored; initials match the full name; otherwise two
    names match when at least two thirds of the longer name's words are shared,
    or one name's words all appear in the other.  The best score wins; a tie
    between different candidates is not guessed at (``None``).
    """
    best: list[tuple[float, str]] = []
    for cand in candidates:
        score = area_score(name, cand)
        if _is_match(name, cand, score):
            best.append((score, cand))
    if not best:
        return None
    top = max(s for s, _ in best)
    winners = {c for s, c in best if s == top}
    return next(iter(winners)) if len(winners) == 1 else None


def assign_areas(plan: list[str], grid: list[str]) -> dict[str, str]:
    """Pair plan areas with grid areas one-to-one, best pairs first (so exact names are never stolen)."""
    pairs = []
    for i, p in enumerate(plan):
        for j, g in enumerate(grid):
            score = area_score(p, g)
            if _is_match(p, g, score):
                pairs.append((-score, i, j))
    pairs.sort()
    taken_p: dict[str, str] = {}
    taken_g: set[str] = set()
    for _, i, j in pairs:
        if plan[i] not in taken_p and grid[j] not in taken_g:
            taken_p[plan[i]] = grid[j]
            taken_g.add(grid[j])
    return taken_p


# --------------------------------------------------------------------------- reading the grid

@dataclass
class _Block:
    header_row: int
    area_col: int
    rows: list[int]
    form: str        # "columns" | "column"


def _level_columns(grid: SheetGrid, row: int) -> dict[int, int]:
    """Columns of ``row`` headed by levels, when at least three levels run left to right."""
    found = {c: lv for c in sorted(grid.cells.get(row, {}))
             if (lv := _level_header(grid.value(row, c))) is not None}
    if len(set(found.values())) < 3 or len(set(found.values())) != len(found):
        return {}
    cols = sorted(found)
    if any(found[a] >= found[b] for a, b in zip(cols, cols[1:])):
        return {}
    return found


def _area_column(grid: SheetGrid, header_row: int, first_level_col: int) -> int | None:
    for col in range(first_level_col - 1, 0, -1):
        below = [grid.text(r, col) for r in range(header_row + 1, header_row + 4)]
        if any(t and not _is_number(t) for t in below):
            return col
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _data_rows(grid: SheetGrid, start: int, area_col: int) -> list[int]:
    rows = []
    r = start
    while grid.text(r, area_col) and not _is_number(grid.text(r, area_col)):
        if _level_columns(grid, r):
            break
        rows.append(r)
        r += 1
    return rows


def _find_blocks(grid: SheetGrid) -> list[_Block]:
    blocks: list[_Block] = []
    used: set[int] = set()
    for r in grid.rows():
        if r in used:
            continue
        cols = _level_columns(grid, r)
        if cols:
            area_col = _area_column(grid, r, min(cols))
            if area_col is not None:
                rows = _data_rows(grid, r + 1, area_col)
                if rows:
                    blocks.append(_Block(r, area_col, rows, "columns"))
                    used.update(rows)
                    continue
        single = _single_level_header(grid, r)
        if single:
            area_col, level_col = single
            rows = _data_rows(grid, r + 1, area_col)
            if rows:
                blocks.append(_Block(r, area_col, rows, f"column:{level_col}"))
                used.update(rows)
    return blocks


def _single_level_header(grid: SheetGrid, row: int) -> tuple[int, int] | None:
    """``Area | Level`` headers (without action-plan headers beside them): (area column, level column)."""
    texts = {c: _norm_words(t) for c, t in grid.row_texts(row).items()}
    if not texts or any(any(w in t for w in _PLAN_HEADERS) for t in texts.values()):
        return None
    area = next((c for c, t in sorted(texts.items()) if t in _AREA_HEADERS - {"progress"}), None)
    if area is None:
        return None
    level = next((c for c, t in sorted(texts.items()) if c != area and t in _LEVEL_HEADERS), None)
    return (area, level) if level is not None else None


def read_declared_levels(grid: SheetGrid) -> tuple[list[DeclaredLevel], list[Finding]]:
    """The declared level of each area from a summary grid found anywhere on the sheet.

    Two layouts are read: level columns (``Progress | 1 | 2 | 3 | 4`` or the
    level names) with a number or a mark (x, ✓, •, any text) under the level;
    and a single ``Level`` column beside an ``Area`` column.  Marks under
    several levels are read as the highest, quietly when they run on from
    level 1 (a shaded-up matrix), with a warning otherwise.  Fill colour alone
    is not read as a mark.
    """
    declared: list[DeclaredLevel] = []
    findings: list[Finding] = []
    for block in _find_blocks(grid):
        for r in block.rows:
            area = " ".join(grid.text(r, block.area_col).split())
            area_cell = a1(r, block.area_col)
            if block.form == "columns":
                got = _marked_level(grid, r, _level_columns(grid, block.header_row), area, findings)
            else:
                got = _written_level(grid, r, int(block.form.split(":")[1]), area, findings)
            if got == "invalid":
                continue
            if got is None:
                findings.append(warning("maturity-level-missing", grid.name, area_cell, r,
                                        f"No level is given for area '{area}' at {where(grid.name, area_cell)}."))
                continue
            level, cell = got
            declared.append(DeclaredLevel(area, level, grid.name, cell, area_cell))
    return declared, findings


def _marked_level(grid: SheetGrid, row: int, columns: dict[int, int], area: str,
                  findings: list[Finding]) -> tuple[int, str] | str | None:
    """The highest level marked in ``row``; ``"invalid"`` when the only marks were reported as invalid."""
    marks: dict[int, str] = {}
    invalid = False
    for col, level in columns.items():
        text = grid.text(row, col)
        if not text:
            continue
        cell = a1(row, col)
        if _is_number(text) and float(text) != level:
            findings.append(error(
                "maturity-level-invalid", grid.name, cell, row,
                f"{where(grid.name, cell)} holds {text} under the level {level} column for '{area}'; "
                f"write {level} or a mark such as x."))
            invalid = True
            continue
        marks[level] = cell
    if not marks:
        return "invalid" if invalid else None
    top = max(marks)
    if len(marks) > 1 and sorted(marks) != list(range(1, top + 1)):
        findings.append(warning(
            "maturity-level-ambiguous", grid.name, marks[top], row,
            f"'{area}' is marked under levels {', '.join(map(str, sorted(marks)))}; level {top} is used."))
    return top, marks[top]


def _written_level(grid: SheetGrid, row: int, col: int, area: str,
                   findings: list[Finding]) -> tuple[int, str] | str | None:
    cell = a1(row, col)
    value = grid.value(row, col)
    try:
        level = parse_level(value)
    except ValueError:
        level = -1
    if level is None:
        return None
    if level not in LEVELS:
        findings.append(error("maturity-level-invalid", grid.name, cell, row,
                              f"{where(grid.name, cell)} gives '{grid.text(row, col)}' as the level of "
                              f"'{area}'; levels are 1-4."))
        return "invalid"
    return level, cell


def looks_like_maturity_grid(grid: SheetGrid) -> float:
    """Confidence (0-1) that the sheet is a maturity summary grid.

    Starts from how many of the grid's areas carry a level, adds a little when
    the sheet says "matrix" or "maturity", and scales down by how much of the
    sheet the grid covers, so a plan with a summary grid at its foot stays a plan.
    """
    blocks = _find_blocks(grid)
    if not blocks:
        return 0.0
    declared, _ = read_declared_levels(grid)
    areas = sum(len(b.rows) for b in blocks)
    score = 0.5 + 0.4 * min(1.0, len(declared) / areas)
    words = " ".join([grid.name] + [t for r in grid.rows() for t in grid.row_texts(r).values()][:400]).lower()
    if "matrix" in words or "maturity" in words:
        score += 0.1
    filled = sum(1 for r in grid.rows() if grid.row_texts(r))
    legend = sum(1 for r in grid.rows()
                 if any(_norm_words(t) in _LEVEL_WORDS for t in grid.row_texts(r).values()))
    covered = sum(len(b.rows) + 1 for b in blocks) + legend
    coverage = min(1.0, (covered + 1) / filled) if filled else 0.0
    return round(min(1.0, score) * (0.5 + 0.5 * coverage), 3)


# --------------------------------------------------------------------------- roll-up

def _valid_level(a: ActionLevel, findings: list[Finding]) -> int | None:
    try:
        level = parse_level(a.level)
    except ValueError:
        level = -1
    if level is None:
        return None
    if level not in LEVELS:
        findings.append(error("maturity-level-invalid", a.sheet, a.cell, a.row,
                              f"{where(a.sheet, a.cell)} gives progress level '{a.level}' for an action in "
                              f"'{a.area}'; levels are 1-4."))
        return None
    return level


def maturity_rollup(action_levels: Iterable[ActionLevel], declared: Iterable[DeclaredLevel], *,
                    method: str = "median") -> tuple[list[dict], list[Finding]]:
    """One row per area: declared level, computed level (by ``method``), actions per level.

    Plan areas come first in plan order, spelt as the plan writes them; grid
    areas no plan action names follow.  When there is a grid, every name
    without a partner is a ``maturity-area-unmatched`` warning, and a declared
    level that differs from the computed one is a ``maturity-mismatch``
    warning at the declared cell.
    """
    method = method.strip().lower()
    computed_level([], method)  # rejects an unknown method before any work
    findings: list[Finding] = []
    groups: dict[str, dict] = {}
    for index, a in enumerate(action_levels):
        level = _valid_level(a, findings)
        name = " ".join(str(a.area or "").split())
        if not name:
            if level is not None:
                findings.append(warning("maturity-area-missing", a.sheet, a.cell, a.row,
                                        f"{where(a.sheet, a.cell)} gives a progress level but no matrix "
                                        f"area is written above it."))
            continue
        g = groups.setdefault(_norm_words(name), {"area": name, "first": a, "actions": 0, "levels": [],
                                                  "placed": []})
        g["actions"] += 1
        g["placed"].append((index, a))
        if level is not None:
            g["levels"].append(level)

    grid_areas: dict[str, DeclaredLevel] = {}
    for d in declared:
        grid_areas.setdefault(_norm_words(d.area), d)
    grid_names = [d.area for d in grid_areas.values()]
    pairs = assign_areas([g["area"] for g in groups.values()], grid_names)
    by_name = {d.area: d for d in grid_areas.values()}

    rows = []
    for g in groups.values():
        d = by_name.get(pairs.get(g["area"], ""))
        first: ActionLevel = g["first"]
        if d is None and grid_areas:
            findings.append(warning("maturity-area-unmatched", first.sheet, first.cell, first.row,
                                    f"Matrix area '{g['area']}' (first at {where(first.sheet, first.cell)}) "
                                    f"is not in the summary grid ({', '.join(grid_names)})."))
        if not g["levels"]:
            findings.append(_no_level(g["area"], g["placed"], d))
        rows.append(_row(g["area"], g["levels"], g["actions"], d, method, first))
    claimed = set(pairs.values())
    for d in grid_areas.values():
        if d.area in claimed:
            continue
        if groups:
            cell = d.area_cell or d.cell
            findings.append(warning("maturity-area-unmatched", d.sheet, cell, split_a1(cell)[0],
                                    f"Grid area '{d.area}' at {where(d.sheet, cell)} has no actions in the plan."))
        rows.append(_row(d.area, [], 0, d, method, None))

    for row, d in ((r, grid_areas.get(_norm_words(r["declared_area"] or ""))) for r in rows):
        if d is not None and row["computed_level"] is not None and row["declared_level"] != row["computed_level"]:
            findings.append(warning(
                "maturity-mismatch", d.sheet, d.cell, d.row,
                f"'{row['area']}' is declared at level {d.level} ({LEVELS[d.level]}) at {where(d.sheet, d.cell)} "
                f"but its {row['actions_with_level']} action level(s) give {row['computed_level']} "
                f"({LEVELS[row['computed_level']]}) by {method}."))
    return rows, findings


def _level_ranges(placed: list[tuple[int, ActionLevel]]) -> list[tuple[str, str, int]]:
    """(sheet, range, first row) of the level cells, one range per run of consecutive actions in one column."""
    runs: list[list[tuple[int, ActionLevel]]] = []
    for index, a in placed:
        if runs and _follows(runs[-1][-1], (index, a)):
            runs[-1].append((index, a))
        else:
            runs.append([(index, a)])
    out = []
    for run in runs:
        first, last = run[0][1], run[-1][1]
        out.append((first.sheet, first.cell if first is last else f"{first.cell}:{last.cell}", first.row))
    return out


def _follows(before: tuple[int, ActionLevel], after: tuple[int, ActionLevel]) -> bool:
    """The next action of the plan, in the same level column (rows between are its continuation rows)."""
    (i, a), (j, b) = before, after
    return j == i + 1 and a.sheet == b.sheet and split_a1(a.cell)[1] == split_a1(b.cell)[1]


def _no_level(area: str, placed: list[tuple[int, ActionLevel]], d: DeclaredLevel | None) -> Finding:
    """``maturity-level-missing`` for an area whose actions give no level, at their level cells."""
    ranges = _level_ranges(placed)
    sheet, cell, row = ranges[0]
    places = ", ".join(where(s, c) for s, c, _ in ranges)
    if len(placed) == 1:
        who, fix = f"the only action in '{area}' has no progress level", "give it"
    else:
        who, fix = f"no action in '{area}' has a progress level", "give each action"
    message = (f"{places}: {who}, so ehxl cannot work out the area's level; {fix} a level from 1 (Basic) "
               f"to 4 (Maturity).")
    if d is not None:
        message += (f" The summary grid declares level {d.level} ({LEVELS[d.level]}) at {where(d.sheet, d.cell)}, "
                    f"which cannot be checked until then.")
    return warning("maturity-level-missing", sheet, cell, row, message)


def _row(area: str, levels: list[int], actions: int, d: DeclaredLevel | None, method: str,
         first: ActionLevel | None) -> dict:
    computed = computed_level(levels, method)
    declared = d.level if d else None
    return {
        "area": area,
        "declared_level": declared,
        "computed_level": computed,
        "actions": actions,
        "by_level": {str(lv): levels.count(lv) for lv in LEVELS},
        "actions_with_level": len(levels),
        "method": method,
        "mean_level": sum(levels) / len(levels) if levels else None,
        "declared_label": LEVELS.get(declared) if declared else None,
        "computed_label": LEVELS.get(computed) if computed else None,
        "agrees": None if declared is None or computed is None else declared == computed,
        "match": None if d is None or first is None else ("exact" if area_score(area, d.area) == 1.0 else "loose"),
        "sheet": first.sheet if first else None,
        "cell": first.cell if first else None,
        "declared_area": d.area if d else None,
        "declared_sheet": d.sheet if d else None,
        "declared_cell": d.cell if d else None,
    }


# --------------------------------------------------------------------------- the Maturity sheet

def _ref(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"


def _mark(level: int, row: dict) -> Cell:
    declared, computed = row["declared_level"] == level, row["computed_level"] == level
    if declared and computed:
        return Cell("declared = computed", "rag_green")
    if declared:
        return Cell("declared", "rag_amber" if row["computed_level"] else "rag_blue")
    if computed:
        return Cell("computed", "rag_grey")
    return Cell(None)


def _verdict(row: dict) -> str:
    if row["declared_level"] is None and row["computed_level"] is None:
        return "No level given"
    if row["declared_level"] is None:
        return "Not in the summary grid"
    if row["computed_level"] is None and not row["actions"]:
        return "No actions in the plan"
    if row["computed_level"] is None:
        return "Not checked: no action has a level"
    if row["agrees"]:
        return "Agrees"
    return f"Differs: declared {row['declared_level']}, computed {row['computed_level']}"


def _computed_cell(row: dict) -> Cell:
    """The computed level, or why there is none: a blank would read as a level nobody worked out."""
    if row["computed_level"] is not None:
        return Cell(row["computed_level"], "int")
    return Cell("no level given" if row["actions"] else "no actions", "wrap")


def maturity_sheet(rollup: list[dict], *, as_of: date, source: str) -> SheetSpec:
    """The ``Maturity`` sheet: the areas x levels grid with declared and computed marked, then actions per level and a chart."""
    method = rollup[0]["method"] if rollup else "median"
    spec = SheetSpec(SHEET_NAME, page_header=f"ehxl maturity matrix - as of {as_of:%d %b %Y}",
                     widths={1: 38, 2: 18, 3: 18, 4: 18, 5: 18, 6: 10, 7: 14, 8: 9, 9: 36})
    spec.add_row(Cell("Maturity matrix: declared and computed levels", "title"))
    spec.add_row(Cell(f"As of {as_of:%d %b %Y} - source: {source} - computed level: {method} of the "
                      f"actions' progress levels, rounded down", "subtitle"))
    spec.blank()
    header = [Cell("Area", "header")] + [Cell(f"{lv} {name}", "header") for lv, name in LEVELS.items()] + [
        Cell("Declared", "header"), Cell("Computed", "header"), Cell("Actions", "header"), Cell("Verdict", "header")]
    head_row = spec.add_row(*header)
    spec.freeze_row = head_row + 1
    spec.print_title_rows = (head_row, head_row)
    if not rollup:
        spec.add_row(Cell("No maturity levels were found.", "note"))
        return spec
    for row in rollup:
        area = Cell(row["area"], "link", f"{_quote(row['sheet'])}!{row['cell']}") if row.get("cell") else \
            Cell(row["area"], "text")
        spec.add_row(area, *(_mark(lv, row) for lv in LEVELS),
                     Cell(row["declared_level"], "int"), _computed_cell(row),
                     Cell(row["actions"], "int"), Cell(_verdict(row), "text"))
    spec.add_row(Cell("Levels: " + ", ".join(f"{lv} {n}" for lv, n in LEVELS.items())
                      + ". Amber: the declared level differs from the plan's actions. Blue: declared, but no "
                      "action level to check it against.", "note"))
    spec.blank()
    spec.add_row(Cell("Actions per progress level", "bold"))
    count_head = spec.add_row(Cell("Area", "header"), *(Cell(f"Level {lv}", "header") for lv in LEVELS))
    first = count_head + 1
    for row in rollup:
        spec.add_row(Cell(row["area"], "text"), *(Cell(row["by_level"][str(lv)], "int") for lv in LEVELS))
    last = first + len(rollup) - 1
    series = tuple(Series(f"Level {lv} {LEVELS[lv]}", _ref(SHEET_NAME, first, 1, last, 1),
                          _ref(SHEET_NAME, first, 1 + lv, last, 1 + lv)) for lv in LEVELS)
    spec.charts.append(Chart("column", "Actions per progress level by area", series,
                             anchor=a1(count_head, 7), size=(8, max(15, len(rollup) + 6)),
                             y_title="Actions"))
    return spec


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
