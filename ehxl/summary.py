"""Rolling actions up for a board: counts by status, theme and owner, and the three board sheets.

Pure arithmetic on :class:`~ehxl.actions.Action` objects, and the
:class:`~ehxl.report.SheetSpec` layouts of ``Summary``, ``Overdue`` and
``Validation``.  Printed or projected, these are what board members read, so
they say in words what each number counts.
"""
from __future__ import annotations

import functools
from datetime import date
from typing import Callable, Iterable, Iterator, Sequence

from . import rag
from .actions import Action, owner_names
from .findings import Finding, Severity, sort_key, where
from .grid import a1
from .report import RAG_STYLE, Cell, SheetSpec

STATUS_KEYS = ("green", "amber", "red", "blue", "grey", "none")
SUMMARY, OVERDUE, VALIDATION = "Summary", "Overdue", "Validation"


def rollup(actions: Sequence[Action], late: Sequence[Action], soon: Sequence[Action]) -> dict:
    """The ``actions`` object of ``ehxl rollup --format json``: each action looked at once (its completeness and
    owners take some working out), its counts added to its theme's and its owners'."""
    late_ids = {id(a) for a in late}
    by_status = dict.fromkeys(STATUS_KEYS, 0)
    complete = 0
    themes: dict[str | None, dict] = {}
    owners: dict[str, list[int]] = {}            # owner -> [actions, overdue]
    for act in actions:
        status, done, overdue = act.status or "none", act.complete, id(act) in late_ids
        by_status[status] += 1
        complete += bool(done)
        theme = themes.get(act.theme)
        if theme is None:
            theme = themes[act.theme] = theme_counts(act.theme)
        theme["total"] += 1
        theme["by_status"][status] += 1
        theme["complete"] += bool(done)
        theme["overdue"] += overdue
        for name in dict.fromkeys(owner_names(act)) or ["(no owner)"]:
            counts = owners.get(name)
            if counts is None:
                counts = owners[name] = [0, 0]
            counts[0] += 1
            counts[1] += overdue
    return {
        "total": len(actions),
        "by_status": by_status,
        "complete": complete,
        "pct_complete": round(100 * complete / len(actions), 2) if actions else None,
        "overdue": len(late),
        "due_soon": len(soon),
        "by_theme": list(themes.values()),
        "by_owner": sorted(({"owner": name, "total": total, "overdue": overdue}
                            for name, (total, overdue) in owners.items()),
                           key=owner_order),
    }


def theme_counts(theme: str | None) -> dict:
    """A theme's line of the ``by_theme`` table, every count at nought."""
    return {"theme": theme, "total": 0, "by_status": dict.fromkeys(STATUS_KEYS, 0), "complete": 0, "overdue": 0}


def owner_order(row: dict) -> tuple:
    """The ``by_owner`` table's order: most overdue first, then most actions, then by name."""
    return -row["overdue"], -row["total"], row["owner"].lower()


def action_row(act: Action, as_of: date, *, late: bool) -> dict:
    """One row of the ``overdue`` / ``due_soon`` JSON lists."""
    due = act.due
    row = {"sheet": act.sheet, "row": act.row, "ref": act.ref, "action": act.action,
           "owners": owner_names(act), "deadline": due.isoformat() if due else None, "status": act.status,
           "theme": act.theme, "cell": act.cell("deadline")}
    if late:
        row["days_overdue"] = (as_of - due).days
    else:
        row["days_left"] = (due - as_of).days
    return row


# ------------------------------------------------------------------ sheets

def _as_of_line(as_of: date, source: str) -> str:
    return f"As of {as_of.day} {as_of:%B %Y} · {source} · prepared by ehxl"


def _page_header(title: str, as_of: date, source: str) -> str:
    return f"{title} · {source} · as of {as_of.day} {as_of:%b %Y}"


def _link(sheet: str, cell: str) -> str:
    return where(sheet, cell)


def summary_sheet(summary: dict, legend: rag.Legend, *, as_of: date, source: str, within: int,
                  sheet_kinds: dict[str, str], counts_by_sheet: dict[str, int]) -> SheetSpec:
    """The board's one-page view of the action plans."""
    spec = SheetSpec(SUMMARY, widths={1: 44, 2: 11, 3: 11, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 11, 10: 11},
                     page_header=_page_header("Action plan summary", as_of, source), tab_colour="1F4E78")
    spec.add_row(Cell("Action plan summary", "title"))
    spec.add_row(Cell(_as_of_line(as_of, source), "subtitle"))
    spec.blank()
    total = summary["total"]
    head = spec.add_row(Cell("Actions", "header"), Cell("Number", "header"), Cell("Share", "header"))
    spec.freeze_row = head + 1

    def share(n: int) -> Cell:
        return Cell(n / total if total else None, "pct")

    spec.add_row(Cell("All actions", "bold"), Cell(total, "int"), Cell(None, "text"))
    spec.add_row(Cell("Complete", "text"), Cell(summary["complete"], "int"), share(summary["complete"]))
    spec.add_row(Cell("Overdue (past deadline, not complete)", "text"), Cell(summary["overdue"], "int"),
                 share(summary["overdue"]))
    spec.add_row(Cell(f"Due in the next {within} days", "text"), Cell(summary["due_soon"], "int"),
                 share(summary["due_soon"]))
    for key in STATUS_KEYS:
        n = summary["by_status"][key]
        if key == "none":
            spec.add_row(Cell("No status given", "text"), Cell(n, "int"), share(n))
        elif n or key in ("green", "amber", "red"):
            spec.add_row(Cell(status_label(key, legend), RAG_STYLE[key]), Cell(n, "int"), share(n))
    spec.blank()
    theme_table(spec, summary, legend)
    spec.blank()
    owner_table(spec, summary)
    spec.blank()
    spec.add_row(Cell("Sheets read", "header"), Cell("Read as", "header"), Cell("Actions", "header"))
    for name, kind in sheet_kinds.items():
        spec.add_row(Cell(name, "text"), Cell(kind.replace("_", " "), "text"),
                     Cell(counts_by_sheet.get(name), "int"))
    spec.blank()
    spec.add_row(Cell(f"Overdue: a deadline before {as_of:%d/%m/%Y} on an action that is not complete. "
                      f"Complete: {status_label(legend.colour_for(rag.Meaning.COMPLETE) or 'green', legend)}, "
                      f"a complete status word, or 100% progress.", "note"))
    return spec


def status_label(colour: str, legend: rag.Legend) -> str:
    meaning = legend.meanings.get(colour)
    return f"{colour.capitalize()} – {meaning.value}" if meaning else colour.capitalize()


def theme_table(spec: SheetSpec, summary: dict, legend: rag.Legend) -> None:
    shown = [k for k in STATUS_KEYS if k == "none" or any(t["by_status"][k] for t in summary["by_theme"])
             or k in ("green", "amber", "red")]
    spec.add_row(Cell("By theme", "header"), Cell("Actions", "header"), Cell("Complete", "header"),
                 *[Cell(k.capitalize() if k != "none" else "No status", "header") for k in shown],
                 Cell("Overdue", "header"))
    for t in summary["by_theme"]:
        spec.add_row(Cell(t["theme"] or "(no theme)", "wrap"), Cell(t["total"], "int"), Cell(t["complete"], "int"),
                     *[Cell(t["by_status"][k], RAG_STYLE.get(k, "int") if t["by_status"][k] else "int")
                       for k in shown],
                     Cell(t["overdue"], "int"))


def owner_table(spec: SheetSpec, summary: dict) -> None:
    spec.add_row(Cell("By owner", "header"), Cell("Actions", "header"), Cell("Overdue", "header"))
    for o in summary["by_owner"]:
        spec.add_row(Cell(o["owner"], "wrap"), Cell(o["total"], "int"), Cell(o["overdue"], "int"))


def overdue_sheet(late: Sequence[Action], soon: Sequence[Action], *, as_of: date, source: str,
                  within: int) -> SheetSpec:
    """Every overdue action, most overdue first, each linked back to its row; then what falls due soon."""
    spec = SheetSpec(OVERDUE, widths={1: 8, 2: 60, 3: 28, 4: 12, 5: 10, 6: 10, 7: 28, 8: 16},
                     page_header=_page_header("Overdue actions", as_of, source), tab_colour="C00000")
    spec.add_row(Cell("Overdue actions", "title"))
    spec.add_row(Cell(f"{len(late)} overdue · {len(soon)} due in the next {within} days · "
                      + _as_of_line(as_of, source), "subtitle"))
    spec.blank()
    head = spec.add_row(*[Cell(h, "header") for h in
                          ("Ref", "Action", "Owner(s)", "Deadline", "Days overdue", "Status", "Theme", "Go to")])
    spec.freeze_row = head + 1
    spec.print_title_rows = (head, head)
    shared = _shared_cells()
    spec.rows += _action_rows(sorted(late, key=lambda a: (a.due, a.sheet, a.row)), as_of, shared, late=True)
    if not late:
        spec.add_row(Cell("No action is overdue.", "note"))
    spec.autofilter = f"A{head}:H{head + max(len(late), 1)}"
    spec.blank()
    spec.add_row(*[Cell(h, "header") for h in
                   ("Ref", f"Due in the next {within} days", "Owner(s)", "Deadline", "Days left", "Status",
                    "Theme", "Go to")])
    spec.rows += _action_rows(soon, as_of, shared, late=False)
    if not soon:
        spec.add_row(Cell(f"Nothing falls due in the next {within} days.", "note"))
    return spec


def _shared_cells() -> Callable[..., Cell]:
    """``Cell``, made once for each value and style (its type too: 1 is not True) and then shared: a cell is
    immutable, and an Overdue sheet of 10,000 actions repeats a few hundred deadlines, owners and themes."""
    return functools.lru_cache(maxsize=None, typed=True)(Cell)


def _action_rows(actions: Iterable[Action], as_of: date, shared: Callable[..., Cell], *,
                 late: bool) -> Iterator[list[Cell]]:
    """Each action's row of cells; a deadline's two cells (the date, the days overdue or left) and a status's
    cell are looked up once per deadline or status, not once per action."""
    dated: dict[date, tuple[Cell, Cell]] = {}
    statuses: dict[str | None, Cell] = {}
    for act in actions:
        due = act.due
        when = dated.get(due)
        if when is None:
            when = dated[due] = (shared(due, "date"), shared((as_of - due).days if late else (due - as_of).days, "int"))
        status = statuses.get(act.status)
        if status is None:
            status = statuses[act.status] = shared(act.status.capitalize() if act.status else "",
                                                   RAG_STYLE.get(act.status or "", "text"))
        yield [Cell(act.ref, "text"), Cell(act.action, "wrap"),
               shared(", ".join(owner_names(act)) or "(none)", "wrap"), *when, status, shared(act.theme, "wrap"),
               Cell(f"{act.sheet} row {act.row}", "link", _link(act.sheet, act.cell("deadline")))]


def validation_sheet(findings: Sequence[Finding], *, as_of: date, source: str) -> SheetSpec:
    """Every problem found, errors first, each linked to its cell."""
    spec = SheetSpec(VALIDATION, widths={1: 10, 2: 22, 3: 18, 4: 8, 5: 90},
                     page_header=_page_header("Validation", as_of, source), tab_colour="BF8F00")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    spec.add_row(Cell("Validation: owners, deadlines and statuses", "title"))
    spec.add_row(Cell(f"{errors} errors · {len(findings) - errors} warnings · " + _as_of_line(as_of, source),
                      "subtitle"))
    spec.blank()
    head = spec.add_row(*[Cell(h, "header") for h in ("Severity", "Rule", "Sheet", "Cell", "What to do")])
    spec.freeze_row = head + 1
    spec.print_title_rows = (head, head)
    ordered = sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, *sort_key(f)))
    shared = _shared_cells()
    for f in ordered:
        spec.add_row(shared(f.severity.value, "rag_red" if f.severity is Severity.ERROR else "rag_amber"),
                     shared(f.rule, "text"), shared(f.sheet, "text"),
                     Cell(f.cell, "link", _link(f.sheet, f.cell)) if f.cell else Cell("", "text"),
                     Cell(f.message, "wrap"))
    if not findings:
        spec.add_row(Cell("No problems found.", "note"))
    else:
        spec.autofilter = f"A{head}:E{head + len(findings)}"
    return spec


__all__ = ["rollup", "action_row", "summary_sheet", "overdue_sheet", "validation_sheet", "status_label", "a1"]
