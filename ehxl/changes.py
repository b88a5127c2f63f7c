"""What changed since the last board: two roll-ups compared, action by action and figure by figure.

Pure: a roll-up is first turned into a :class:`Snapshot` of plain rows (what
:mod:`ehxl.history` stores), and two snapshots are compared here.  The same
action is the same team, sheet and reference; where a reference is missing or
was renumbered, the action's text is matched instead (``difflib``'s ratio of at
least :data:`TEXT_MATCH`), and the change says it was matched by text.  The
headline shares come with a sentence that explains a fall in words a board
reads ("Green fell from 70% to 58% of 90 actions: 9 moved from green to
amber, ...").
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Iterator

from .actions import owner_names
from .findings import Finding, warning, where
from .report import RAG_STYLE, Cell, Chart, Series, SheetSpec, quote_sheet

#: How alike two actions' texts must be (difflib's ratio, 0-1) to be taken for one action renumbered.
TEXT_MATCH = 0.8
#: A reference kept but given to another action: the texts are less alike than this, so it is not the same action.
REF_TEXT_MIN = 0.4
COLOURS = ("green", "amber", "red", "blue", "grey")
#: The headline figures compared, then and now, for all actions and for each team.
HEADLINE = ("total", "complete", "overdue", "green_pct", "amber_pct", "red_pct")
ACTION_KEYS = ("team", "file", "sheet", "ref", "action")
#: The keys of a snapshot's action row, in order (:func:`action_row`), and the order of :func:`action_values`.
ACTION_FIELDS = ("team", "file", "sheet", "row", "ref", "theme", "action", "owners", "deadline", "deadline_kind",
                 "status", "complete", "overdue", "update", "cell", "status_cell", "update_cell", "link")


@dataclass
class Snapshot:
    """One roll-up as plain rows: its date, its actions (one dict each) and its figures."""

    as_of: date
    run_at: str = ""
    actions: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    #: Fields None in every action (a workbook's actions have no team and no link): the history need not say so
    #: row by row.
    blank: tuple[str, ...] = ()

    def headline(self) -> dict:
        return headline_of(self.actions)

    def headlines_by_team(self) -> dict[str, dict]:
        """Each team's headline, from one pass over the actions (a pack has a hundred teams)."""
        teams: dict[str, list[dict]] = {}
        for a in self.actions:
            if a["team"]:
                teams.setdefault(a["team"], []).append(a)
        return {team: headline_of(rows) for team, rows in teams.items()}


def headline_of(rows: Iterable[dict]) -> dict:
    """Actions, complete, overdue, and each RAG colour as a count and a share of all actions."""
    kinds: dict[tuple, int] = {}
    for a in rows:
        key = headline_kind(a["status"], a["complete"], a["overdue"])
        kinds[key] = kinds.get(key, 0) + 1
    return headline_from(kinds)


def headline_kind(status: str | None, complete: object, overdue: object) -> tuple[str | None, bool, bool]:
    """What the headline counts of an action: its status, whether it is complete, whether overdue."""
    return status, bool(complete), bool(overdue)


def headline_from(kinds: dict[tuple, int]) -> dict:
    """:func:`headline_of` from how many rows there are of each :func:`headline_kind`: what a reader of rows
    made and dropped one at a time can count on the way."""
    total = sum(kinds.values())
    out = {"total": total, "complete": sum(n for (_, done, _), n in kinds.items() if done),
           "overdue": sum(n for (_, _, late), n in kinds.items() if late)}
    for colour in ("green", "amber", "red"):
        n = sum(n for (status, _, _), n in kinds.items() if status == colour)
        out[colour] = n
        out[f"{colour}_pct"] = round(100 * n / total, 1) if total else None
    return out


def action_row(act, *, team: str | None, file: str, overdue: bool, link: str | None = None) -> dict:
    """An :class:`~ehxl.actions.Action` as the plain row a snapshot keeps (a literal: quicker than a zip)."""
    (team, file, sheet, row, ref, theme, action, owners, deadline, deadline_kind, status, complete, overdue, update,
     cell, status_cell, update_cell, link) = action_values(act, team=team, file=file, overdue=overdue, link=link)
    return {"team": team, "file": file, "sheet": sheet, "row": row, "ref": ref, "theme": theme, "action": action,
            "owners": owners, "deadline": deadline, "deadline_kind": deadline_kind, "status": status,
            "complete": complete, "overdue": overdue, "update": update, "cell": cell, "status_cell": status_cell,
            "update_cell": update_cell, "link": link}


def action_values(act, *, team: str | None, file: str, overdue: bool, link: str | None = None) -> tuple:
    """:func:`action_row`'s values in the order of :data:`ACTION_FIELDS`: what a run only recorded needs, without
    a dict of 18 keys for each of 20,000 actions."""
    revised = act.revised
    parsed = revised if revised is not None and revised.date else act.deadline
    due, cell = act.due, act.cell
    return (team, file, act.sheet, act.row, act.ref, act.theme, act.action, owner_names(act),
            _iso_day(due) if due else None, parsed.kind._value_ if parsed is not None else None, act.status,
            bool(act.complete), overdue, act.update or "", cell("deadline"), cell("status"), cell("update"), link)


@functools.lru_cache(maxsize=4096)
def _iso_day(day: date) -> str:
    """A deadline as ISO text, once per date: 20,000 actions have a few hundred deadlines."""
    return day.isoformat()


def figure_rows(analysis, *, team: str | None, file: str) -> list[dict]:
    """An analysis's KPI values, maturity levels and audit shares as the plain rows a snapshot keeps."""
    rows = []
    for m in analysis.kpis:
        for p in m["periods"]:
            rows.append({"kind": "kpi", "team": team, "name": m["measure"], "period_end": p["period_end"],
                         "value": p["value"], "numerator": p.get("numerator"), "denominator": p.get("denominator"),
                         "file": file, "cell": p.get("cell")})
    for m in analysis.maturity:
        rows.append({"kind": "maturity", "team": team, "name": m["area"], "declared": m.get("declared_level"),
                     "computed": m.get("computed_level"), "file": file})
    for t in analysis.audits:
        for ind in t["indicators"]:
            rows.append({"kind": "audit", "team": team, "name": ind["indicator"], "period_end": t.get("date"),
                         "value": ind["pct_good_or_better"], "file": file, "cell": ind.get("cell")})
    return rows


def snapshot_of(analysis, *, file: str) -> Snapshot:
    """One workbook's roll-up as a snapshot (its actions have no team and no link)."""
    return Snapshot(as_of=analysis.as_of, actions=list(action_rows(analysis, file=file)),
                    figures=figure_rows(analysis, team=None, file=file), blank=("team", "link"))


def streamed_snapshot(analysis, *, file: str) -> Snapshot:
    """:func:`snapshot_of` for a run only recorded: its actions are the tuples of :func:`action_values`, made one
    at a time as they are read, once (:func:`ehxl.history.record` reads them once), and never all held, as
    20,000 rows take some 13 MiB."""
    rows = action_rows(analysis, file=file, make=action_values)
    return Snapshot(as_of=analysis.as_of, actions=rows,  # type: ignore[arg-type]
                    figures=figure_rows(analysis, team=None, file=file), blank=("team", "link"))


def action_rows(analysis, *, file: str, make=action_row) -> Iterator:
    """A workbook's actions as a snapshot's rows (without a team), one at a time, each made by ``make``."""
    late = {id(a) for a in analysis.late}
    for a in analysis.actions:
        yield make(a, team=None, file=file, overdue=id(a) in late)


def snapshot_of_pack(pack, *, make=action_row) -> Snapshot:
    """A board pack as a snapshot: every team's actions and figures, each with its team and file; each action's
    row made by ``make`` (:func:`action_values`' tuples for a run only recorded, as :func:`streamed_snapshot`)."""
    snap = Snapshot(as_of=pack.as_of)
    for team in pack.teams:
        snap.actions += team_action_rows(team, make)
        snap.figures += figure_rows(team.analysis, team=team.name, file=team.source.file)
    for k in pack.kpis:
        if k["team"] is None:
            snap.figures += [{"kind": "kpi", "team": None, "name": k["measure"], "period_end": p["period_end"],
                              "value": p["value"], "numerator": p.get("numerator"),
                              "denominator": p.get("denominator")} for p in k["periods"]]
    return snap


def team_action_rows(team, make=action_row) -> list:
    """A pack team's actions as a snapshot's rows made by ``make``, each with its team, file and link (from the
    rows worked out as the team's file was read, when they were)."""
    if team.snapshot_rows is not None:
        if make is action_values:
            return team.snapshot_rows
        return [dict(zip(ACTION_FIELDS, values)) for values in team.snapshot_rows]
    a, src = team.analysis, team.source
    late = {id(x) for x in a.late}
    return [make(x, team=team.name, file=src.file, overdue=id(x) in late, link=src.link) for x in a.actions]


# ------------------------------------------------------------------ matching

def match(then: list[dict], now: list[dict]) -> list[tuple[dict, dict, str]]:
    """(earlier row, current row, "ref" | "text") for every action found in both runs."""
    pairs: list[tuple[dict, dict, str]] = []
    by_ref = {_ref_key(a): a for a in then if a["ref"]}
    taken: set[int] = set()
    left: list[dict] = []
    for a in now:
        old = by_ref.get(_ref_key(a)) if a["ref"] else None
        if old is not None and id(old) not in taken and _alike(old["action"], a["action"]) >= REF_TEXT_MIN:
            pairs.append((old, a, "ref"))
            taken.add(id(old))
        else:
            left.append(a)
    if left:
        _match_texts(then, left, taken, pairs)
    return pairs


def _match_texts(then: list[dict], left: list[dict], taken: set[int], pairs: list) -> None:
    """Each action in ``left``, in turn, takes the earlier action of its sheet most alike in text and not yet
    taken (the first of equals), when alike enough.

    A plan without references has every action here: comparing each with every earlier one took a
    2,000-row plan 95 s.  So an identical text is found by a dictionary (nothing is more alike), and
    difflib's ratio is worked out only for an earlier action whose quick upper bounds could beat the best so far.
    """
    by_place: dict[tuple, list[tuple[dict, str]]] = {}
    same_text: dict[tuple, list[dict]] = {}
    for o in then:
        place, text = (o["team"], o["sheet"]), _plain(o["action"])
        by_place.setdefault(place, []).append((o, text))
        same_text.setdefault((place, text), []).append(o)
    for a in left:
        place, text = (a["team"], a["sheet"]), _plain(a["action"])
        old = _first_untaken(same_text.get((place, text)), taken)
        if old is None:
            old = _most_alike(text, by_place.get(place, ()), taken)
        if old is not None:
            pairs.append((old, a, "text"))
            taken.add(id(old))


def _first_untaken(rows: list[dict] | None, taken: set[int]) -> dict | None:
    """The first of ``rows`` not taken; the taken ones before it are dropped, as they stay taken."""
    while rows:
        if id(rows[0]) not in taken:
            return rows[0]
        rows.pop(0)
    return None


def _most_alike(text: str, candidates, taken: set[int]) -> dict | None:
    """The untaken candidate whose text is most alike ``text`` (the first of equals), if at least TEXT_MATCH."""
    import difflib                               # here: only a roll-up with an earlier board compares texts

    sm = difflib.SequenceMatcher(None)
    sm.set_seq2(text)
    best, need, strict = None, TEXT_MATCH, False     # the first alike enough, then only one more alike
    for o, other in candidates:
        if id(o) in taken:
            continue
        sm.set_seq1(other)
        if not (_beats(sm.real_quick_ratio(), need, strict) and _beats(sm.quick_ratio(), need, strict)):
            continue
        ratio = sm.ratio()
        if _beats(ratio, need, strict):
            best, need, strict = o, ratio, True
    return best


def _beats(ratio: float, need: float, strict: bool) -> bool:
    return ratio > need if strict else ratio >= need


def _ref_key(a: dict) -> tuple:
    return a["team"], a["sheet"], str(a["ref"]).strip().casefold()


def _plain(text: str) -> str:
    """An action's text as compared: case and runs of white space ignored."""
    return " ".join(text.casefold().split())


def _alike(a: str, b: str) -> float:
    a, b = _plain(a), _plain(b)
    if a == b:
        return 1.0
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio()


# ------------------------------------------------------------------ comparing

def compare(then: Snapshot, now: Snapshot, earlier: Snapshot | None = None) -> dict:
    """The ``changes`` object of the roll-up JSON: headline then and now, and every table of what moved.

    ``earlier`` is the board before ``then``, when the history has one: a
    deadline revised at both boards is listed in ``deadlines_moved_again``.
    """
    pairs = match(then.actions, now.actions)
    matched_then = {id(o) for o, _, _ in pairs}
    matched_now = {id(n) for _, n, _ in pairs}
    new = [a for a in now.actions if id(a) not in matched_now]
    removed = [a for a in then.actions if id(a) not in matched_then]
    h0, h1 = then.headline(), now.headline()
    out = {
        "since": {"as_of": then.as_of.isoformat(), "run_at": then.run_at},
        "headline": {k: [h0[k], h1[k]] for k in HEADLINE},
        "explanation": explain(then, now, pairs, new, removed),
        "status_moves": [_moved(o, n, how, "status") for o, n, how in pairs if o["status"] != n["status"]],
        "completed": [_row(n, how) for o, n, how in pairs if n["complete"] and not o["complete"]],
        "newly_overdue": [_row(n, how) for o, n, how in pairs if n["overdue"] and not o["overdue"]],
        "new": [_row(a, None) for a in new],
        "removed": [_row(a, None) for a in removed],
        "deadline_changes": [_deadline(o, n, how) for o, n, how in pairs
                             if o["deadline"] and n["deadline"] and o["deadline"] != n["deadline"]],
        "owner_changes": [_moved(o, n, how, "owners") for o, n, how in pairs
                          if sorted(o["owners"]) != sorted(n["owners"])],
        "updates_unchanged": [{**_row(n, how), "update": n["update"], "update_cell": n.get("update_cell")}
                              for o, n, how in pairs
                              if n["status"] in ("red", "amber") and not n["complete"] and n["update"].strip()
                              and " ".join(n["update"].split()) == " ".join(o["update"].split())],
        "restated": restated(then.figures, now.figures),
        "maturity_moved": maturity_moved(then.figures, now.figures),
    }
    out["deadlines_moved_again"] = moved_again(earlier, then, pairs) if earlier else []
    before, after = then.headlines_by_team(), now.headlines_by_team()
    if before or after:
        none = headline_of([])
        out["by_team"] = [{"team": t, **{k: [before.get(t, none)[k], after.get(t, none)[k]] for k in HEADLINE}}
                          for t in sorted(before.keys() | after.keys(), key=str.casefold)]
    return out


def moved_again(earlier: Snapshot, then: Snapshot, pairs: list[tuple[dict, dict, str]]) -> list[dict]:
    """The deadlines revised since ``then`` that were also revised at the board before (``earlier`` to ``then``)."""
    revised_then = {id(t): e["deadline"] for e, t, _ in match(earlier.actions, then.actions)
                    if e["deadline"] and t["deadline"] and e["deadline"] != t["deadline"]}
    return [{**_deadline(o, n, how), "first": revised_then[id(o)],
             "boards": [earlier.as_of.isoformat(), then.as_of.isoformat()]}
            for o, n, how in pairs if id(o) in revised_then and n["deadline"] and n["deadline"] != o["deadline"]]


def history_findings(changes: dict | None) -> list[tuple[dict, Finding]]:
    """The findings only a history can give, each with the action row it is about (for its team and file).

    ``update-stale``: a red or amber action whose update is word for word the
    one given at the last board.  ``deadline-moved-again``: a deadline revised
    at two boards running, which wants a new plan or an escalation, not
    another date.
    """
    if not changes:
        return []
    since = _uk(changes["since"]["as_of"])
    out = []
    for r in changes["updates_unchanged"]:
        cell = r.get("update_cell") or r["cell"]
        out.append((r, warning("update-stale", r["sheet"], cell, r.get("row"),
                               f"{where(r['sheet'], cell)}: {_label(r)} is {r['status']} and its update is word "
                               f"for word the one given at the board of {since}; say what has happened since.")))
    for r in changes.get("deadlines_moved_again", []):
        first, middle = (_uk(b) for b in r["boards"])
        out.append((r, warning("deadline-moved-again", r["sheet"], r["cell"], r.get("row"),
                               f"{where(r['sheet'], r['cell'])}: {_label(r)} has had its deadline moved at two "
                               f"boards running ({_uk(r['first'])} at the board of {first}, {_uk(r['from'])} at "
                               f"the board of {middle}, now {_uk(r['to'])}); agree a new plan or escalate it "
                               f"rather than set another date.")))
    return out


def _uk(iso: str) -> str:
    return f"{date.fromisoformat(iso):%d/%m/%Y}"


def _label(r: dict) -> str:
    return f"action {r['ref']}" if r["ref"] else f"the action in row {r.get('row')}"


def _row(a: dict, how: str | None) -> dict:
    row = {k: a[k] for k in ACTION_KEYS}
    row.update(status=a["status"], deadline=a["deadline"], cell=a["cell"], owners=a["owners"], link=a.get("link"),
               row=a.get("row"))
    if how:
        row["matched_by"] = how
    return row


def _moved(o: dict, n: dict, how: str, what: str) -> dict:
    return {**_row(n, how), "from": o[what], "to": n[what]}


def _deadline(o: dict, n: dict, how: str) -> dict:
    days = (date.fromisoformat(n["deadline"]) - date.fromisoformat(o["deadline"])).days
    return {**_row(n, how), "from": o["deadline"], "to": n["deadline"], "days": days}


def restated(then: list[dict], now: list[dict]) -> list[dict]:
    """KPI values for a quarter already reported that now read differently."""
    before = {(f["team"], f["name"].casefold(), f["period_end"]): f for f in then
              if f["kind"] == "kpi" and f["value"] is not None}
    out = []
    for f in now:
        old = before.get((f["team"], f["name"].casefold(), f["period_end"])) if f["kind"] == "kpi" else None
        if old is not None and f["value"] is not None and abs(float(old["value"]) - float(f["value"])) > 1e-9:
            out.append({"team": f["team"], "measure": f["name"], "period_end": f["period_end"],
                        "from": old["value"], "to": f["value"], "file": f.get("file"), "cell": f.get("cell")})
    return out


def maturity_moved(then: list[dict], now: list[dict]) -> list[dict]:
    """Areas whose declared or computed level is not what it was."""
    before = {(f["team"], f["name"].casefold()): f for f in then if f["kind"] == "maturity"}
    out = []
    for f in now:
        old = before.get((f["team"], f["name"].casefold())) if f["kind"] == "maturity" else None
        if old is None:
            continue
        for what in ("declared", "computed"):
            if old.get(what) != f.get(what):
                out.append({"team": f["team"], "area": f["name"], "level": what, "from": old.get(what),
                            "to": f.get(what)})
    return out


# ------------------------------------------------------------------ the sentence

def explain(then: Snapshot, now: Snapshot, pairs: list[tuple[dict, dict, str]], new: list[dict],
            removed: list[dict]) -> str:
    """Why the green share moved, in one sentence: what left green, what joined it, what came and went."""
    h0, h1 = then.headline(), now.headline()
    if h0["green_pct"] is None or h1["green_pct"] is None:
        return ""
    was, is_ = _pct(h0["green_pct"]), _pct(h1["green_pct"])
    if was == is_:
        return f"Green stayed at {is_} of {h1['total']} actions."
    verb = "fell" if h1["green_pct"] < h0["green_pct"] else "rose"
    parts = []
    for colour in COLOURS[1:] + (None,):
        n = sum(1 for o, a, _ in pairs if o["status"] == "green" and a["status"] == colour)
        if n:
            parts.append(f"{n} moved from green to {colour or 'no status'}")
    for colour in COLOURS[1:] + (None,):
        n = sum(1 for o, a, _ in pairs if a["status"] == "green" and o["status"] == colour)
        if n:
            parts.append(f"{n} moved from {colour or 'no status'} to green")
    not_green = sum(1 for a in new if a["status"] != "green")
    if not_green:
        parts.append(f"{not_green} new action{'s are' if not_green != 1 else ' is'} not yet green")
    new_green = len(new) - not_green
    if new_green:
        parts.append(f"{new_green} new action{'s are' if new_green != 1 else ' is'} green")
    gone = sum(1 for a in removed if a["status"] == "green")
    if gone:
        parts.append(f"{gone} green action{'s were' if gone != 1 else ' was'} removed")
    reason = ": " + ", ".join(parts) if parts else ""
    return f"Green {verb} from {was} to {is_} of {h1['total']} actions{reason}."


def _pct(value: float) -> str:
    return f"{round(value):.0f}%"


# ------------------------------------------------------------------ the sheet

CHANGES = "Changes"


def changes_sheet(changes: dict, *, as_of: date, source: str) -> SheetSpec:
    """Then and now, the sentence, and one table per kind of change, each row linked to its cell."""
    since = date.fromisoformat(changes["since"]["as_of"])
    spec = SheetSpec(CHANGES, widths={1: 30, 2: 14, 3: 14, 4: 18, 5: 40, 6: 14, 7: 14, 8: 18},
                     page_header=f"Changes since {since.day} {since:%b %Y} · {source} · as of {as_of.day} {as_of:%b %Y}",
                     tab_colour="2F5597")
    spec.add_row(Cell(f"What changed since the board of {since.day} {since:%B %Y}", "title"))
    spec.add_row(Cell(f"As of {as_of.day} {as_of:%B %Y} · {source} · prepared by ehxl", "subtitle"))
    spec.blank()
    head = spec.add_row(Cell("Headline", "header"), Cell(f"{since:%d/%m/%Y}", "header"),
                        Cell(f"{as_of:%d/%m/%Y}", "header"), Cell("Change", "header"))
    spec.freeze_row = head + 1
    labels = {"total": "Actions", "complete": "Complete", "overdue": "Overdue", "green_pct": "Green (share)",
              "amber_pct": "Amber (share)", "red_pct": "Red (share)"}
    for key, label in labels.items():
        then, now = changes["headline"][key]
        pct = key.endswith("_pct")
        style = "pct" if pct else "int"
        value = (lambda v: None if v is None else v / 100) if pct else (lambda v: v)
        change = None if then is None or now is None else value(now) - value(then)
        spec.add_row(Cell(label, RAG_STYLE.get(key[:-4], "text") if pct else "text"), Cell(value(then), style),
                     Cell(value(now), style), Cell(change, style))
    if changes["explanation"]:
        spec.add_row(Cell(changes["explanation"], "note"))
    for row in changes.get("by_team", []):
        if row is changes["by_team"][0]:
            spec.blank()
            spec.add_row(Cell("By team", "header"), Cell("Actions then", "header"), Cell("Actions now", "header"),
                         Cell("Overdue then", "header"), Cell("Overdue now", "header"), Cell("Green then", "header"),
                         Cell("Green now", "header"))
        g0, g1 = row["green_pct"]
        spec.add_row(Cell(row["team"], "wrap"), Cell(row["total"][0], "int"), Cell(row["total"][1], "int"),
                     Cell(row["overdue"][0], "int"), Cell(row["overdue"][1], "int"),
                     Cell(None if g0 is None else g0 / 100, "pct"), Cell(None if g1 is None else g1 / 100, "pct"))
    _table(spec, "Status moved", changes["status_moves"], lambda r: (r["from"] or "none", r["to"] or "none"))
    _table(spec, "Completed since", changes["completed"], lambda r: ("", ""))
    _table(spec, "Newly overdue", changes["newly_overdue"], lambda r: ("", _uk(r["deadline"]) if r["deadline"] else ""))
    _table(spec, "New actions", changes["new"], lambda r: ("", r["status"] or "none"))
    _table(spec, "Removed actions", changes["removed"], lambda r: (r["status"] or "none", ""), link=False)
    _table(spec, "Deadlines revised", changes["deadline_changes"],
           lambda r: (_uk(r["from"]), f"{_uk(r['to'])} ({r['days']:+d} days)"))
    _table(spec, "Deadlines moved at two boards running", changes.get("deadlines_moved_again", []),
           lambda r: (f"{_uk(r['first'])}, then {_uk(r['from'])}", _uk(r["to"])))
    _table(spec, "Owners changed", changes["owner_changes"],
           lambda r: (", ".join(r["from"]) or "(none)", ", ".join(r["to"]) or "(none)"))
    _table(spec, "Red or amber, update unchanged", changes["updates_unchanged"], lambda r: (r["update"], r["status"]),
           cell="update_cell")
    _figures(spec, changes)
    return spec


def _table(spec: SheetSpec, title: str, rows: list[dict], then_now, *, link: bool = True, cell: str = "cell") -> None:
    """One kind of change: a header naming how many, then a row each with a link to the cell (``cell``'s key)."""
    spec.blank()
    spec.add_row(*[Cell(h, "header") for h in (f"{title} ({len(rows)})", "Team", "Ref", "Sheet", "Action",
                                                "Then", "Now", "Go to")])
    for r in rows:
        then, now = then_now(r)
        at = r.get(cell) or r["cell"]
        place = f"{quote_sheet(r['sheet'])}!{at}"
        go = Cell(f"{r['sheet']}!{at}", "link", place, target=r.get("link")) if link else Cell("", "text")
        how = " (matched by text)" if r.get("matched_by") == "text" else ""
        spec.add_row(Cell((r.get("link") or r["file"]) + how, "wrap"), Cell(r["team"] or "", "text"), Cell(r["ref"], "text"),
                     Cell(r["sheet"], "text"), Cell(r["action"], "wrap"), Cell(then, _look(then)),
                     Cell(now, _look(now)), go)
    if not rows:
        spec.add_row(Cell("None.", "note"))


def _look(value: object) -> str:
    return RAG_STYLE.get(value, "text") if isinstance(value, str) else "text"


def _figures(spec: SheetSpec, changes: dict) -> None:
    spec.blank()
    spec.add_row(*[Cell(h, "header") for h in (f"KPI values restated ({len(changes['restated'])})", "Team",
                                                "Quarter ending", "Then", "Now")])
    for r in changes["restated"]:
        spec.add_row(Cell(r["measure"], "wrap"), Cell(r["team"] or "", "text"), Cell(_uk(r["period_end"]), "text"),
                     Cell(r["from"], "decimal1"), Cell(r["to"], "decimal1"))
    if not changes["restated"]:
        spec.add_row(Cell("None.", "note"))
    spec.blank()
    spec.add_row(*[Cell(h, "header") for h in (f"Maturity levels moved ({len(changes['maturity_moved'])})", "Team",
                                                "Level", "Then", "Now")])
    for r in changes["maturity_moved"]:
        spec.add_row(Cell(r["area"], "wrap"), Cell(r["team"] or "", "text"), Cell(r["level"], "text"),
                     Cell(r["from"], "int"), Cell(r["to"], "int"))
    if not changes["maturity_moved"]:
        spec.add_row(Cell("None.", "note"))



TREND = "Trend"


def trend_sheet(rows: list[dict], *, as_of: date, source: str) -> SheetSpec:
    """Each board's shares (and each city KPI's latest value) by board date, with a line chart of the shares."""
    measures = list(dict.fromkeys(name for r in rows for name in r["kpis"]))
    styles = {m: _number_style(r["kpis"].get(m) for r in rows) for m in measures}
    spec = SheetSpec(TREND, widths={1: 14, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, **{7 + i: 16 for i in range(len(measures))}},
                     page_header=f"Trend · {source} · as of {as_of.day} {as_of:%b %Y}", tab_colour="2F5597")
    spec.add_row(Cell("Trend: every board so far", "title"))
    spec.add_row(Cell(f"As of {as_of.day} {as_of:%B %Y} · {source} · prepared by ehxl from its history", "subtitle"))
    spec.blank()
    head = spec.add_row(*[Cell(h, "header") for h in ("Board (as of)", "Actions", "Green", "Amber", "Red",
                                                       "Overdue", *measures)])
    spec.freeze_row = head + 1
    for r in rows:
        when = date.fromisoformat(r["as_of"])
        spec.add_row(Cell(f"{when:%d/%m/%Y}", "text"), Cell(r["total"], "int"),
                     *[Cell(None if r[k] is None else r[k] / 100, "pct")
                       for k in ("green_pct", "amber_pct", "red_pct", "overdue_pct")],
                     *[Cell(r["kpis"].get(m), styles[m]) for m in measures])
    first, last = head + 1, head + len(rows)
    name = quote_sheet(TREND)
    series = tuple(Series(label, f"{name}!$A${first}:$A${last}", f"{name}!${col}${first}:${col}${last}")
                   for label, col in (("Green", "C"), ("Amber", "D"), ("Red", "E"), ("Overdue", "F")))
    spec.charts.append(Chart(kind="line", title="Shares of all actions, board by board", series=series,
                             anchor=f"A{last + 3}", size=(8, 15), y_title="% of actions"))
    spec.blank()
    spec.add_row(Cell("KPI columns: each board's city figure for the latest quarter it had in full (a quarter "
                      "still incomplete or conflicting is passed over for the one before).", "note"))
    return spec


def _number_style(values) -> str:
    """Whole numbers (counts) shown as such; a rate or a share with its decimal."""
    return "int" if all(v is None or float(v).is_integer() for v in values) else "decimal1"

