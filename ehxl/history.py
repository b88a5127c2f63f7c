"""The history of every roll-up: one SQLite file that remembers each board's figures.

``ehxl-history.sqlite`` sits beside the workbook or pack ehxl wrote.  Each
roll-up adds one *run* in one transaction, committed after the workbook is
saved (a failed save records nothing; a board pack read by a pool of processes
has its run written by a worker while the pack is saved, and committed when
the save is done).  SQLite's own locking, with a busy timeout,
lets two roll-ups finish at once without harm.  A file that is not an ehxl
history, or is damaged, is refused in one line and never written.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``; the
file is marked as ehxl's by ``PRAGMA application_id``):

* ``runs``: id, run_at (UTC, ISO), as_of, output, kind (``workbook`` | ``pack``), ehxl_version,
  and the headline: total, complete, overdue, green, amber, red.
* ``sources``: run_id, file, team, sha256, status.
* ``actions``: run_id, team, file, sheet, row, ref, theme, action, owners (JSON list), deadline,
  deadline_kind, status, complete, overdue, update_text, cell, status_cell, update_cell, link.
* ``figures``: run_id, kind (``kpi`` | ``maturity`` | ``audit``), team, name, period_end, value,
  numerator, denominator, declared, computed, file, cell.
* ``findings``: run_id, team, file, rule, severity, sheet, cell, message.

A newer ehxl migrates an older file forward (:data:`MIGRATIONS`); an older
ehxl refuses a file from a newer one rather than guess.
"""
from __future__ import annotations

import json
import operator
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .changes import ACTION_FIELDS, Snapshot, headline_from, headline_kind
from .errors import EhxlError

SCHEMA_VERSION = 1
APPLICATION_ID = 0x6568786C              # "ehxl"
DEFAULT_NAME = "ehxl-history.sqlite"
BUSY_TIMEOUT_S = 30.0
_SQLITE_MAGIC = b"SQLite format 3\x00"

_ACTION_COLUMNS = tuple("update_text" if k == "update" else k for k in ACTION_FIELDS)
_FIGURE_COLUMNS = ("kind", "team", "name", "period_end", "value", "numerator", "denominator", "declared",
                   "computed", "file", "cell")

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE runs (id INTEGER PRIMARY KEY, run_at TEXT NOT NULL, as_of TEXT NOT NULL, output TEXT,
                       kind TEXT NOT NULL, ehxl_version TEXT, total INTEGER, complete INTEGER, overdue INTEGER,
                       green INTEGER, amber INTEGER, red INTEGER);
    CREATE TABLE sources (run_id INTEGER NOT NULL REFERENCES runs(id), file TEXT, team TEXT, sha256 TEXT,
                          status TEXT);
    CREATE TABLE actions (run_id INTEGER NOT NULL REFERENCES runs(id), team TEXT, file TEXT, sheet TEXT,
                          row INTEGER, ref TEXT, theme TEXT, action TEXT, owners TEXT, deadline TEXT,
                          deadline_kind TEXT, status TEXT, complete INTEGER, overdue INTEGER, update_text TEXT,
                          cell TEXT, status_cell TEXT, update_cell TEXT, link TEXT);
    CREATE TABLE figures (run_id INTEGER NOT NULL REFERENCES runs(id), kind TEXT, team TEXT, name TEXT,
                          period_end TEXT, value REAL, numerator REAL, denominator REAL, declared INTEGER,
                          computed INTEGER, file TEXT, cell TEXT);
    CREATE TABLE findings (run_id INTEGER NOT NULL REFERENCES runs(id), team TEXT, file TEXT, rule TEXT,
                           severity TEXT, sheet TEXT, cell TEXT, message TEXT);
    CREATE INDEX actions_run ON actions(run_id);
    CREATE INDEX figures_run ON figures(run_id);
    CREATE INDEX runs_as_of ON runs(as_of);
    """,
}


@dataclass(frozen=True)
class Run:
    """One recorded roll-up, as ``ehxl history`` lists it."""

    id: int
    run_at: str
    as_of: str
    output: str
    kind: str
    ehxl_version: str
    total: int
    complete: int
    overdue: int
    green: int
    amber: int
    red: int

    def json(self) -> dict:
        share = (lambda n: round(100 * n / self.total, 1) if self.total else None)   # noqa: E731
        return {**self.__dict__, "green_pct": share(self.green), "amber_pct": share(self.amber),
                "red_pct": share(self.red)}


def default_path(output: Path) -> Path:
    return output.parent / DEFAULT_NAME


def check(path: Path) -> None:
    """Refuse, before anything is written anywhere, a file that is not an ehxl history or is damaged.

    A roll-up reads the history several times (baseline, the board before,
    trend, record); a file found good is not checked again until it changes.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    stamp = _stamp(path)
    if _checked.get(path.resolve()) == stamp:
        return
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise EhxlError("is not an ehxl history (it is not an SQLite database); give --history another file, "
                        "or move this one away.", path=path)
    try:
        with closing(_connect(path)) as db:
            app, version = db.execute("PRAGMA application_id").fetchone()[0], _version(db)
            if app != APPLICATION_ID:
                raise EhxlError("is an SQLite database but not an ehxl history; give --history another file.",
                                path=path)
            if version > SCHEMA_VERSION:
                raise EhxlError(f"was written by a newer ehxl (history version {version}); update ehxl to use it.",
                                path=path)
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise _damaged(path)
    except sqlite3.OperationalError as exc:
        raise (_in_use(path) if _busy(exc) else _damaged(path)) from exc
    except sqlite3.DatabaseError as exc:
        raise _damaged(path) from exc
    _checked[path.resolve()] = stamp


#: Histories found good by :func:`check`, with the size and modification time they had then.
_checked: dict[Path, tuple[int, int]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another roll-up held the file for longer than the wait: in use, not damaged."""
    return (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)   # extended codes too


def _in_use(path: Path) -> EhxlError:
    return EhxlError(f"is in use by another roll-up and stayed so for {BUSY_TIMEOUT_S:g} seconds; nothing was "
                     "written. Try again when it has finished.", path=path)


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for reading the history, a roll-up holding it too long said in plain words."""
    try:
        with closing(_connect(path)) as db:
            yield db
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise _in_use(path) from exc
        raise


def _damaged(path: Path) -> EhxlError:
    return EhxlError("is damaged, so ehxl cannot use it as the history; restore it from a backup, or move it away "
                     "to start a new history.", path=path)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return db


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _migrate(db: sqlite3.Connection) -> list[str]:
    """Bring the schema up to date inside the caller's transaction.

    A new file's indexes are returned, not made: the caller makes them once its
    first run is in, as an index built once over 20,000 rows costs less than
    one kept up as each row is added.
    """
    version = _version(db)
    new = version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    if new:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    indexes = []
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[step].split(";"):
            if new and statement.lstrip().startswith("CREATE INDEX"):
                indexes.append(statement)
            elif statement.strip():
                db.execute(statement)
    if version < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return indexes


def record(path: Path, snapshot: Snapshot, *, output: str, kind: str, ehxl_version: str,
           sources: Iterable[dict] = (), findings: Iterable[dict] = (),
           before_commit: Callable[[], None] | None = None) -> int:
    """Add one run, all of it or nothing (one transaction); returns its id.

    ``before_commit`` is called with the run written but not yet committed, and
    what it raises rolls the run back: a pack's run is written by a worker
    process while the pack is saved, and committed only once the save is done.
    """
    check(path)
    run_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        with closing(_connect(path)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                indexes = _migrate(db)
                run_id = db.execute("INSERT INTO runs (run_at, as_of, output, kind, ehxl_version) VALUES (?,?,?,?,?)",
                                    (run_at, snapshot.as_of.isoformat(), output, kind, ehxl_version)).lastrowid
                head = _insert(db, run_id, snapshot, sources, findings)
                for statement in indexes:
                    db.execute(statement)
                db.execute("UPDATE runs SET total = ?, complete = ?, overdue = ?, green = ?, amber = ?, red = ? "
                           "WHERE id = ?", (head["total"], head["complete"], head["overdue"], head["green"],
                                            head["amber"], head["red"], run_id))
                if before_commit is not None:
                    before_commit()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
    except sqlite3.OperationalError as exc:
        raise EhxlError(f"could not be written ({exc}); the workbook was saved, but this run is not in the "
                        "history. Try again when no other roll-up is running.", path=path) from exc
    return run_id


def _insert(db: sqlite3.Connection, run_id: int, snap: Snapshot, sources, findings) -> dict:
    """The run's rows, its actions read once (they may be made as they are read: see
    :func:`~ehxl.changes.streamed_snapshot`); returns the run's headline, counted on the way."""
    kinds: dict[tuple, int] = {}
    rows: Iterable[tuple] = _action_table_rows(run_id, snap.actions, kinds)
    columns = ("run_id", *_ACTION_COLUMNS)
    if snap.blank:                      # left out, NULL all the same: sqlite3 looks for an adapter for each None
        kept = [i for i, k in enumerate(("run_id", *ACTION_FIELDS)) if k not in snap.blank]
        rows, columns = map(operator.itemgetter(*kept), rows), tuple(columns[i] for i in kept)
    db.executemany(f"INSERT INTO actions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    db.executemany(f"INSERT INTO figures (run_id, {', '.join(_FIGURE_COLUMNS)}) VALUES "
                   f"({', '.join('?' * (len(_FIGURE_COLUMNS) + 1))})",
                   [(run_id, *(f.get(c) for c in _FIGURE_COLUMNS)) for f in snap.figures])
    db.executemany("INSERT INTO sources (run_id, file, team, sha256, status) VALUES (?,?,?,?,?)",
                   [(run_id, s.get("file"), s.get("team"), s.get("sha256"), s.get("status")) for s in sources])
    db.executemany("INSERT INTO findings (run_id, team, file, rule, severity, sheet, cell, message) "
                   "VALUES (?,?,?,?,?,?,?,?)",
                   [(run_id, f.get("team"), f.get("file"), f["rule"], f["severity"], f.get("sheet"), f.get("cell"),
                     f["message"]) for f in findings])
    return headline_from(kinds)


def _action_table_rows(run_id: int, actions: Iterable[dict | tuple], kinds: dict[tuple, int]) -> Iterator[tuple]:
    """Each action's row of the ``actions`` table, each counted in ``kinds`` (see
    :func:`~ehxl.changes.headline_from`).  An action is a snapshot's row, or the tuple of its values in the
    order of :data:`~ehxl.changes.ACTION_FIELDS` (a streamed snapshot's)."""
    owners_json: dict[tuple[str, ...], str] = {}
    for a in actions:
        items = a if type(a) is tuple else _items(a)
        (team, file, sheet, row, ref, theme, action, owners, deadline, deadline_kind, status, complete, overdue,
         update, cell, status_cell, update_cell, link) = items
        key = headline_kind(status, complete, overdue)
        kinds[key] = kinds.get(key, 0) + 1
        yield (run_id, team, file, sheet, row, ref, theme, action, _as_json(owners, owners_json), deadline,
               deadline_kind, status, int(complete), int(overdue), update, cell, status_cell, update_cell, link)


def _items(a: dict) -> tuple:
    """A snapshot's row as the tuple of its values in the order of :data:`~ehxl.changes.ACTION_FIELDS`."""
    try:
        return _action_items(a)
    except KeyError:                    # a row without some of the optional fields: those are blank
        return _action_items({**_OPTIONAL_BLANK, **a})


def _as_json(owners: list[str], owners_json: dict[tuple[str, ...], str]) -> str:
    """The owners as JSON; ``owners_json`` remembers each list (a plan of 20,000 actions has a few hundred)."""
    key = tuple(owners) if type(owners) is list else None
    as_json = owners_json.get(key) if key is not None else None
    if as_json is None:
        as_json = _owners_json(owners)
        if key is not None:
            owners_json[key] = as_json
    return as_json


#: The actions' columns as :func:`_load` reads them, and the key of each in the row it makes (the update last).
_LOADED_COLUMNS = tuple(c for c in _ACTION_COLUMNS if c != "update_text") + ("update_text",)
_LOADED_KEYS = tuple(c for c in _ACTION_COLUMNS if c != "update_text") + ("update",)
_action_items = operator.itemgetter(*ACTION_FIELDS)
#: The keys a snapshot's action row may lack (blank in the table); the owners, update, complete and overdue it
#: must have.
_OPTIONAL_BLANK = dict.fromkeys(k for k in ACTION_FIELDS if k not in ("owners", "update", "complete", "overdue"))
#: ``json.dumps(owners, ensure_ascii=False)`` without making an encoder for each list.
_owners_json = json.JSONEncoder(ensure_ascii=False).encode


def runs(path: Path) -> list[Run]:
    """Every recorded run, oldest first."""
    check(path)
    if not path.exists():
        return []
    with _reading(path) as db:
        if _version(db) == 0:
            return []
        rows = db.execute("SELECT id, run_at, as_of, output, kind, ehxl_version, total, complete, overdue, green, "
                          "amber, red FROM runs ORDER BY as_of, id").fetchall()
    return [Run(*r) for r in rows]


def baseline(path: Path, *, before: date | None = None, on_or_before: date | None = None,
             output: str | None = None) -> Snapshot | None:
    """The run to compare with: the latest whose as-of date is before ``before`` (or on or before
    ``on_or_before``), of the same output where one is given; None when there is none."""
    check(path)
    if not path.exists():
        return None
    with _reading(path) as db:
        if _version(db) == 0:
            return None
        where, args = [], []
        if before is not None:
            where.append("as_of < ?")
            args.append(before.isoformat())
        if on_or_before is not None:
            where.append("as_of <= ?")
            args.append(on_or_before.isoformat())
        if output is not None:
            where.append("output = ?")
            args.append(output)
        sql = "SELECT id, as_of, run_at FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        found = db.execute(sql + " ORDER BY as_of DESC, id DESC LIMIT 1", args).fetchone()
        if found is None:
            return None
        return _load(db, *found)


def _load(db: sqlite3.Connection, run_id: int, as_of: str, run_at: str) -> Snapshot:
    snap = Snapshot(as_of=date.fromisoformat(as_of), run_at=run_at)
    owners: dict[str | None, list[str]] = {}       # each list of owners decoded once: a plan repeats a few hundred
    for row in db.execute(f"SELECT {', '.join(_LOADED_COLUMNS)} FROM actions WHERE run_id = ? ORDER BY rowid",
                          (run_id,)):
        a = dict(zip(_LOADED_KEYS, row))
        names = owners.get(a["owners"])
        if names is None:
            names = owners[a["owners"]] = json.loads(a["owners"] or "[]")
        a["owners"] = list(names)
        a["update"] = a["update"] or ""
        a["complete"], a["overdue"] = bool(a["complete"]), bool(a["overdue"])
        snap.actions.append(a)
    db.row_factory = sqlite3.Row
    for r in db.execute("SELECT * FROM figures WHERE run_id = ? ORDER BY rowid", (run_id,)):
        snap.figures.append({c: r[c] for c in _FIGURE_COLUMNS})
    db.row_factory = None
    return snap


def trend(path: Path | None, *, output: str) -> list[dict]:
    """Each recorded run of ``output``, oldest first: its headline and each city KPI's latest value then."""
    if path is None or not path.exists():
        return []
    check(path)
    with _reading(path) as db:
        if _version(db) == 0:
            return []
        runs = db.execute("SELECT id, as_of, total, complete, overdue, green, amber, red FROM runs "
                          "WHERE output = ? ORDER BY as_of, id", (output,)).fetchall()
        out = []
        for run_id, as_of, total, complete, overdue, green, amber, red in runs:
            figures = [{"kind": "kpi", "team": None, "name": n, "period_end": p, "value": v}
                       for n, p, v in db.execute("SELECT name, period_end, value FROM figures WHERE run_id = ? AND "
                                                 "kind = 'kpi' AND team IS NULL", (run_id,))]
            out = [r for r in out if r["as_of"] != as_of]          # a board rolled up twice: its last run
            out.append(trend_row(as_of, {"total": total, "complete": complete, "overdue": overdue, "green": green,
                                         "amber": amber, "red": red}, figures))
    return out


def trend_row(as_of: str, head: dict, figures: Iterable[dict]) -> dict:
    """One board in the trend: shares of all actions, and each city KPI's latest reported value."""
    total = head["total"]
    share = (lambda n: n / total * 100 if total else None)      # noqa: E731
    latest: dict[str, tuple[str, float]] = {}
    for f in figures:
        if f["kind"] == "kpi" and f["team"] is None and f["value"] is not None and f["period_end"]:
            if f["name"] not in latest or f["period_end"] > latest[f["name"]][0]:
                latest[f["name"]] = (f["period_end"], f["value"])
    return {"as_of": as_of, "total": total, "green_pct": share(head["green"]), "amber_pct": share(head["amber"]),
            "red_pct": share(head["red"]), "overdue_pct": share(head["overdue"]),
            "kpis": {name: value for name, (_, value) in latest.items()}}
