"""ehxl as a library: one function per job, on workbook files.

Each function opens the workbook safely, runs :mod:`ehxl.engine`, and (where
the job writes) puts ehxl's sheets and flags into the file through the
lossless writer, saving atomically.  The CLI is a thin layer over these; the
Excel buttons call the engine directly on the open workbook.
"""
from __future__ import annotations

import functools
import gc
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from .config import Config, parse_as_of, toml_config  # noqa: F401  (part of the library's surface)
from . import changes as changes_mod
from . import engine
from . import history as history_mod
from .baseline import Past, board_date
from .errors import EhxlError
from .owners import OwnerRegister
from .package import Package
from .report import place_sheets
from .workbook_reading import read_workbook
from .workbook_writing import OWNED_STATE_SHEET, WorkbookWriter

if TYPE_CHECKING:                       # the board pack's modules load only when a pack is made
    from . import pack as pack_mod
    from . import team_reading
    from .sources import Source

Progress = Callable[[str], None]


def _collector_paused(job: Callable) -> Callable:
    """Run ``job`` with Python's cycle collector paused.

    Reading a plan makes hundreds of thousands of small objects that live to
    the end of the job; the collector would walk all of them again and again
    (a fifth of a 20,000-row roll-up) to find no garbage.  Reference counting
    still frees everything as usual; the collector runs again afterwards."""
    @functools.wraps(job)
    def paused(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return job(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return paused


@dataclass
class Result:
    """What a job did: the analysis, and where anything was written."""

    path: Path
    analysis: engine.Analysis
    written: Path | None = None
    backup: Path | None = None
    sheets_written: list[str] = field(default_factory=list)
    sheets_renamed: dict[str, str] = field(default_factory=dict)
    flags_changed: int = 0
    changes: dict | None = None
    history: Path | None = None

    def json(self, what: str) -> dict:
        doc = engine.to_json(self.analysis, file=str(self.path), what=what)
        if self.written:
            doc["written"] = str(self.written)
        if what == "rollup":
            doc["sheets_written"] = list(self.sheets_written)
            doc["sheets_renamed"] = dict(self.sheets_renamed)
            doc["changes"] = self.changes
            doc["history"] = str(self.history) if self.history else None
        return doc


def load_owners(path: str | Path) -> OwnerRegister:
    """An owner register from an .xlsx/.xlsm (its Owners sheet, else its first sheet) or a .csv."""
    import csv

    path = Path(path)
    if not path.exists():
        raise EhxlError("could not be found; check the --owners path.", path=path)
    if path.suffix.lower() == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.DictReader(fh))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise EhxlError(f"could not be read as CSV ({exc}).", path=path) from exc
        try:
            return OwnerRegister.from_rows(rows, source=path.name)
        except ValueError as exc:
            raise EhxlError(str(exc), path=path) from exc
    book = read_workbook(path)
    grid = next((g for g in book.grids if g.name.strip().lower() in engine.OWNER_SHEETS), None) or \
        (book.grids[0] if book.grids else None)
    if grid is None:
        raise EhxlError("has no sheets to read owners from.", path=path)
    register, problems = engine.register_from_grid(grid)
    if register is None:
        raise EhxlError(problems[0].message if problems else "has no owners.", path=path)
    return register


@_collector_paused
def analyse_file(path: str | Path, *, as_of: date | None = None, within: int | None = None,
                 owners: str | Path | None = None, kinds: Mapping[str, str] | None = None,
                 progress: Progress | None = None) -> tuple[engine.Analysis, Package, WorkbookWriter]:
    """Open, read and analyse a workbook; nothing is written."""
    path = Path(path)
    if progress:
        progress(f"Opening {path.name}")
    pkg = Package.open(path)
    if pkg.strict:
        raise EhxlError("is saved as Strict Open XML, which ehxl does not read yet; in Excel use File > Save As > "
                        "Excel Workbook (.xlsx) and run ehxl again.", path=path)
    writer = WorkbookWriter(pkg)
    skip = [OWNED_STATE_SHEET, *writer.owned_sheets()]
    if progress:
        progress("Reading sheets")
    book = read_workbook(path, skip=skip, package=pkg)
    if not book.grids:
        raise EhxlError("has no worksheets ehxl can read.", path=path)
    conf = toml_config(path)
    register = load_owners(owners) if owners else None
    if progress:
        progress("Checking actions")
    analysis = engine.analyse(book.grids, as_of=as_of, within=within, owners=register, config=conf,
                              kinds=kinds, release_rows=True)
    if engine.recognised_nothing(analysis):
        raise EhxlError("has no sheet ehxl recognises (no action plan, maturity grid, KPI or audit table: "
                        "no header row with columns such as Action, Owner and Deadline). "
                        "Name the sheet's kind with --sheet \"NAME=action_plan\" or an ehxl.toml.", path=path)
    return analysis, pkg, writer


def validate(path: str | Path, **kw) -> Result:
    """Check owners, deadlines and statuses; the workbook is not changed."""
    analysis, _, _ = analyse_file(path, **kw)
    return Result(Path(path), analysis)


@_collector_paused
def overdue(path: str | Path, *, mark: bool = False, clear: bool = False, backup: bool = True, **kw) -> Result:
    """List overdue and due-soon actions; with ``mark`` flag them in the staff's sheets, with ``clear`` unflag all."""
    analysis, _, writer = analyse_file(path, **kw)
    result = Result(Path(path), analysis)
    if clear:
        result.flags_changed = writer.clear_flags()
    elif mark:
        targets = engine.flag_targets(analysis)
        for sheet in sorted(set(targets) | set(writer.flagged())):
            result.flags_changed += writer.flag_cells(sheet, targets.get(sheet, set()))
    if (clear or mark) and result.flags_changed:
        report = writer.save(backup=backup)
        result.written, result.backup = report.path, report.backup
    return result


@_collector_paused
def rollup(path: str | Path, *, out: str | Path | None = None, backup: bool = True,
           history: str | Path | bool | None = None, since: str | date | Path | None = None, **kw) -> Result:
    """Write the Summary, Overdue and Validation sheets (and Maturity, KPIs, Audits) into the workbook, or into ``out``.

    Each roll-up is recorded in the history (``history``: a path, None for
    ``ehxl-history.sqlite`` beside the output, False for none); with an
    earlier run to compare with (or ``since``: a date, or an earlier copy of
    the workbook) a Changes sheet says what moved.
    """
    path = Path(path)
    analysis, _, writer = analyse_file(path, **kw)
    result = Result(path, analysis)
    target = Path(out) if out is not None else path
    snapshot = functools.cache(lambda: changes_mod.snapshot_of(analysis, file=path.name))
    past = Past.find_for(target, history, since, analysis.as_of, snapshot, read=lambda p: changes_mod.snapshot_of(
        analyse_file(p, **{**kw, "as_of": board_date([p], analysis.as_of)})[0], file=Path(p).name))
    analysis.findings = past.with_findings(analysis.findings)
    result.sheets_written, result.sheets_renamed = _put_sheets(
        writer, engine.board_sheets(analysis, source=path.name) + past.sheets(analysis.as_of, path.name))
    report = writer.save(target=out, backup=backup)
    result.written, result.backup = report.path, report.backup
    made = snapshot() if past.changes is not None else changes_mod.streamed_snapshot(analysis, file=path.name)
    result.changes, result.history = past.changes, past.record(made, report.path, "workbook",
                                                              findings=[f.to_dict() for f in analysis.findings])
    return result


def _put_sheets(writer: WorkbookWriter, specs: list) -> tuple[list[str], dict[str, str]]:
    """Each of ehxl's sheets under its own name, or beside a staff sheet that has it; (written, renamed)."""
    names = place_sheets([s.name for s in specs], writer.sheet_names(), writer.owned_sheets())
    for spec in specs:
        writer.put_sheet(spec.renamed(names[spec.name]))
    return [names[s.name] for s in specs], {base: name for base, name in names.items() if base != name}


def history_runs(path: str | Path) -> list:
    """Every roll-up recorded in a history file, oldest first (none when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        raise EhxlError("could not be found; give the history file ehxl rollup records in "
                        "(ehxl-history.sqlite beside the workbook or pack).", path=path)
    return history_mod.runs(path)


@dataclass
class PackResult:
    """What ``rollup_pack`` did: the pack's figures, the files it read, and where it was written."""

    out: Path
    pack: "pack_mod.Pack"
    written: Path | None = None
    backup: Path | None = None
    sheets_written: list[str] = field(default_factory=list)
    sheets_renamed: dict[str, str] = field(default_factory=dict)
    changes: dict | None = None
    history: Path | None = None

    @property
    def refused(self) -> list[Source]:
        return [s for s in self.pack.sources if s.status == "refused"]

    def json(self) -> dict:
        from . import pack as pack_mod

        doc = pack_mod.to_json(self.pack, file=str(self.out))
        doc["written"] = str(self.written) if self.written else None
        doc["sheets_written"] = list(self.sheets_written)
        doc["sheets_renamed"] = dict(self.sheets_renamed)
        doc["changes"] = self.changes
        doc["history"] = str(self.history) if self.history else None
        return doc


@_collector_paused
def rollup_pack(paths: Sequence[str | Path], out: str | Path, *, backup: bool = True, **kw) -> PackResult:
    """One board pack from every team's workbook: the team files are only read, the pack is ehxl's.

    A file that cannot be read is one row in Sources and Validation, never the
    end of the pack; with nothing readable at all, nothing is written.
    """
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise EhxlError("is not a workbook name; give -o a name ending .xlsx, such as board-pack.xlsx.", path=out)
    history, since = kw.pop("history", None), kw.pop("since", None)
    from . import team_reading

    with team_reading.Workers() as workers:
        return _write_pack(_read_pack(paths, out=out, workers=workers, **kw), out, backup=backup, history=history,
                           since=since, read_kw={k: v for k, v in kw.items() if k != "progress"}, workers=workers)


def read_pack(paths: Sequence[str | Path], *, out: str | Path | None = None, as_of: date | None = None,
              within: int | None = None, owners: str | Path | None = None,
              kinds: Mapping[str, str] | None = None,
              progress: Callable[[int, int, Source], None] | None = None) -> "pack_mod.Pack":
    """Every team's workbook read and combined, nothing written: what validate and overdue show for many files."""
    return _read_pack(paths, out=out, as_of=as_of, within=within, owners=owners, kinds=kinds, progress=progress)


def _read_pack(paths: Sequence[str | Path], *, out: str | Path | None = None, as_of: date | None = None,
               within: int | None = None, owners: str | Path | None = None,
               kinds: Mapping[str, str] | None = None,
               progress: Callable[[int, int, Source], None] | None = None,
               workers: "team_reading.Workers | None" = None) -> "pack_mod.Pack":
    """:func:`read_pack`; with ``workers`` (for a pack to be written: validate and overdue never need them), the
    files are read in their pool when there are enough, and each team's rows of the pack's sheets and history
    are then worked out as its file is done."""
    from . import pack as pack_mod
    from .sources import find_workbooks

    out = Path(out) if out is not None else Path.cwd() / "board-pack.xlsx"
    files = find_workbooks(paths, out=out)
    if not files:
        raise EhxlError("holds no .xlsx or .xlsm workbooks to build a board pack from.",
                        path=Path(paths[0]) if len(paths) == 1 else None)
    sources = _describe_all(files, out)
    options = {"as_of": as_of, "within": within, "kinds": kinds}
    early: dict[int, tuple[team_reading.Outcome, pack_mod.Team | None]] | None = {} if workers else None
    teams = [team for src, outcome in _analyse_all(sources, owners, options, progress, early, workers)
             if (team := _made(early, src, outcome)) is not None]
    if not teams:
        raise EhxlError("none of the workbooks could be read, so there is nothing to report on: "
                        + "; ".join(f"{s.file}: {s.message}" for s in sources if s.message))
    first = teams[0].analysis
    return pack_mod.combine(teams, sources, as_of=first.as_of, within=first.within)


PACK_FILE = "holds only sheets ehxl wrote (a board pack, say), not a team's workbook, so it was left out."


def _describe_all(files: list[Path], out: Path) -> list[Source]:
    """Each file's fingerprint and team, by the ehxl.toml of its folder (read once per folder)."""
    from .sources import describe, folder_settings, mark_duplicates

    settings: dict[Path, Config] = {}
    sources = []
    for path in files:
        if path.parent not in settings:
            settings[path.parent] = folder_settings(path.parent)
        conf = settings[path.parent]
        src = describe(path, pack=out, teams=conf.teams)
        src.city_wide = conf.city is not None and src.team.casefold() == conf.city.casefold()
        sources.append(src)
    mark_duplicates(sources)
    return sources


def _analyse_all(sources: list[Source], owners: str | Path | None, options: dict, progress,
                 early: dict | None, workers=None) -> list[tuple[Source, team_reading.Outcome]]:
    """What became of each file to read, in sources order: read in a pool (``workers``', if given) when there are
    enough to pay for it (each team then made and prepared into ``early``, if given, as its file is done: see
    :func:`_analyse_in_pool`)."""
    from . import team_reading

    todo = [src for src in sources if src.status == "read"]
    if team_reading.pays(len(todo)):
        try:
            return _analyse_in_pool(sources, todo, owners, options, progress, early, workers)
        except team_reading.PoolUnavailable:
            pass
    read = _read_all(sources, progress)
    register = load_owners(owners) if owners else _shared_register(read)
    return [(src, team_reading.analysed(grids, conf, register, options)) for src, grids, conf in read]


def _analyse_in_pool(sources: list[Source], todo: list[Source], owners: str | Path | None, options: dict,
                     progress, early: dict | None, workers=None) -> list[tuple[Source, team_reading.Outcome]]:
    """The pool's outcomes, with ``progress`` called once per file as it finishes (the files not read last).

    With ``early``, each team is made and its rows of the pack prepared as its
    file is done, in the gaps between this process's own files: the pool's
    worker reads more files meanwhile, so that work is shared out instead of
    left to the end.
    """
    from . import team_reading

    given = load_owners(owners) if owners else None
    count = iter(range(1, len(sources) + 1))

    def step(src: Source) -> None:
        if progress:
            progress(next(count), len(sources), src)

    def done(i: int, outcome: team_reading.Outcome) -> None:
        if early is not None:
            early[id(outcome)] = (outcome, _prepared(_team(todo[i], outcome)))
        step(todo[i])

    outcomes = team_reading.analyse_in_pool([s.path for s in todo], given, options, done, workers)
    read = {id(src) for src in todo}
    for src in sources:
        if id(src) not in read:
            step(src)
    return list(zip(todo, outcomes))


def _read_all(sources: list[Source], progress) -> list[tuple[Source, list, Config | None]]:
    """Every team file's sheets and settings; a file that cannot be read is marked refused and left out."""
    from . import team_reading

    read = []
    for i, src in enumerate(sources, start=1):
        if src.status == "read":
            try:
                read.append((src, *team_reading.read_team(src.path)))
            except EhxlError as exc:
                _refuse(src, exc.detail)
        if progress:
            progress(i, len(sources), src)
    return read


def _made(early: dict | None, src: Source, outcome: team_reading.Outcome) -> "pack_mod.Team | None":
    """The team made as the file was done, or made now (an outcome read again, or none made early)."""
    made = early.get(id(outcome)) if early is not None else None
    return made[1] if made is not None and made[0] is outcome else _team(src, outcome)


def _prepared(team: "pack_mod.Team | None") -> "pack_mod.Team | None":
    """The team with its Overdue rows and snapshot rows worked out (see :func:`ehxl.pack.prepare`), the latter
    pickled as the worker recording the history is sent them."""
    import pickle

    from . import pack as pack_mod

    if team is not None:
        pack_mod.prepare(team)
        team.snapshot_rows = changes_mod.team_action_rows(team, changes_mod.action_values)
        team.pickled_rows = pickle.dumps(team.snapshot_rows, pickle.HIGHEST_PROTOCOL)
    return team


def _team(src: Source, outcome: team_reading.Outcome) -> "pack_mod.Team | None":
    """The team a file's outcome gives, or None with the file marked as left out and why."""
    from . import pack as pack_mod

    if outcome.refused is not None:
        _refuse(src, outcome.refused)
        return None
    if outcome.skipped:                   # none but ehxl's own sheets: a board pack, not a team's workbook
        src.status, src.message = "skipped", PACK_FILE
        return None
    analysis = outcome.analysis
    if engine.recognised_nothing(analysis):
        _refuse(src, "has no sheet ehxl recognises (no action plan, maturity grid, KPI or audit table).")
        return None
    src.team = analysis.team or src.team
    src.sheets, src.actions = dict(analysis.sheet_kinds), len(analysis.actions)
    src.errors, src.warnings = analysis.errors, analysis.warnings
    return pack_mod.Team(src, analysis)


def _refuse(src: Source, message: str) -> None:
    src.status, src.message = "refused", message


def _shared_register(read) -> OwnerRegister | None:
    """Every Owners sheet in any team's file, as one register applied to all of them (first listed wins)."""
    from . import team_reading

    people = [person for _, grids, _ in read for person in team_reading.owner_people(grids)]
    return OwnerRegister(people) if people else None


def _write_pack(pack, out: Path, *, backup: bool, history=None, since=None, read_kw=None,
                workers: "team_reading.Workers | None" = None) -> PackResult:
    """The pack's sheets into OUT: a new pack from ehxl's empty one, or the existing pack refreshed in place.

    The run is recorded in the history by one of ``workers`` while the pack is
    rendered and saved (committed once it is saved), when a pool read the files.
    """
    from . import pack as pack_mod

    existing = out.exists()
    snapshot = functools.cache(lambda: changes_mod.snapshot_of_pack(pack))    # for a comparison or a trend only
    past = Past.find_for(out, history, since, pack.as_of, snapshot,
                         read=lambda p: changes_mod.snapshot_of_pack(read_pack(
                             [p], out=out, **{**(read_kw or {}), "as_of": board_date([p], pack.as_of)})))
    by_file = {(src.team, src.file): src for src in pack.sources}
    pack.findings += [(by_file[(row["team"], row["file"])], f) for row, f in past.findings()
                      if (row["team"], row["file"]) in by_file]
    pkg = Package.open(out if existing else template_path("board_pack.xlsx"))
    writer = WorkbookWriter(pkg)
    result = PackResult(out, pack)
    specs = pack_mod.sheets(pack, source=out.name)
    specs[-1:-1] = past.sheets(pack.as_of, out.name) + past.trend(snapshot, out, pack.as_of)
    record = {"sources": [s.json() for s in pack.sources],
              "findings": pack_mod.to_json(pack, file=None, what="validate")["findings"]}
    # begun only now that this process has read all it needs of the history: the worker may come to lock readers out
    recording = _record_beside(workers, past, pack, out, record)
    try:
        result.sheets_written, result.sheets_renamed = _put_sheets(writer, specs)
        report = writer.save(target=None if existing else out, backup=backup)
    except BaseException:
        if recording is not None:
            recording.abandon()
        raise
    result.written, result.backup = report.path, report.backup
    result.changes = past.changes
    result.history = recording.finish() if recording is not None else past.record(
        changes_mod.snapshot_of_pack(pack, make=changes_mod.action_values), report.path, "pack", **record)
    return result


def _record_beside(workers, past: Past, pack, out: Path, record: dict) -> "team_reading.Recording | None":
    """The run recorded by a worker while the pack is saved, when the pool has a worker and every team's rows were
    pickled as its file was read (see :meth:`ehxl.team_reading.Workers.record`)."""
    if workers is None or past.path is None or any(t.pickled_rows is None for t in pack.teams):
        return None
    snapshot = changes_mod.snapshot_of_pack(pack, make=changes_mod.action_values)
    snapshot.actions = []                                          # sent as each team's pickled rows
    return workers.record(Past(past.path), snapshot, [t.pickled_rows for t in pack.teams], out, "pack", **record)


@dataclass
class MacrosResult:
    """What ``install_macros`` did: where the macro-enabled workbook is and where its buttons are."""

    path: Path
    written: Path | None
    sheet: str
    buttons: list[str]
    backup: Path | None = None
    already: bool = False
    own_macros: bool = False

    def json(self) -> dict:
        return {"file": str(self.path), "written": str(self.written) if self.written else None,
                "sheet": self.sheet, "buttons": self.buttons, "already_installed": self.already,
                "kept_own_macros": self.own_macros}


def install_macros(path: str | Path, *, sheet: str | None = None, out: str | Path | None = None,
                   backup: bool = True) -> MacrosResult:
    """Put ehxl's VBA module and its buttons into a workbook, without Excel.

    An .xlsx becomes a new .xlsm beside it (the .xlsx is left as it was); an
    .xlsm without macros is changed in place; an .xlsm with macros of its own
    gets a new file beside it, "NAME with ehxl buttons.xlsm", holding its
    macros and ehxl's.  The buttons go on ``sheet``,
    by default the Summary sheet if ehxl has written one, else the action plan.
    """
    from .vba_project import project_modules, standard_module
    from .workbook_macros import macros_source

    path = Path(path)
    pkg = Package.open(path)
    writer = WorkbookWriter(pkg)
    existing = writer.vba_project()
    if existing is not None and "ehxl" in {m.casefold() for m in project_modules(existing)}:
        placed = writer.button_sheets()
        return MacrosResult(path, None, placed[0] if placed else "", [], already=True)
    target = _macro_target(path, out, own_macros=existing is not None)
    name = sheet or _button_sheet(path, pkg, writer)
    buttons = writer.install_macros([standard_module(macros_source())], name)
    report = writer.save(target=target, backup=backup)
    return MacrosResult(path, report.path, name, buttons, backup=report.backup, own_macros=existing is not None)


def _macro_target(path: Path, out: str | Path | None, *, own_macros: bool) -> Path | None:
    """Where the macro-enabled workbook goes: Excel opens macros only from a file named .xlsm.

    A workbook with macros of its own is never changed in place: ehxl's module
    joins its project in a new file, which its owner checks in Excel first.
    """
    if out is None and path.suffix.lower() == ".xlsm" and not own_macros:
        return None
    default = path.with_name(f"{path.stem} with ehxl buttons.xlsm") if own_macros else path.with_suffix(".xlsm")
    target = Path(out) if out is not None else default
    if target.suffix.lower() != ".xlsm":
        raise EhxlError(f"a workbook with macros must be saved as .xlsm, not {target.suffix or 'no extension'}; "
                        "give -o a name ending .xlsm.", path=target)
    if target.exists() and target.resolve() != path.resolve():
        raise EhxlError("already exists; ehxl will not overwrite it. Move it away or give -o another name.",
                        path=target)
    return target


def _button_sheet(path: Path, pkg: Package, writer: WorkbookWriter) -> str:
    """The sheet a manager looks at: ehxl's Summary if there is one, else the first action plan, else the first sheet."""
    owned = writer.owned_sheets()
    if "Summary" in owned:
        return "Summary"
    grids = read_workbook(path, skip=[OWNED_STATE_SHEET, *owned], package=pkg).grids
    kinds = {g.name: engine.sheet_kind(g) for g in grids}
    plan = next((n for n, k in kinds.items() if k == "action_plan"), None)
    if plan:
        return plan
    if grids:
        return grids[0].name
    raise EhxlError("has no worksheet to put the buttons on.", path=path)


TEMPLATE_FILES = {"action_plan": "action_plan.xlsx", "action_plan_macros": "action_plan.xlsm",
                  "maturity": "maturity.xlsx", "kpi": "kpi.xlsx", "audit": "audit.xlsx",
                  "board_pack": "board_pack.xlsx"}


def template_path(name: str) -> Path:
    """The installed copy of one of ehxl's templates."""
    from importlib import resources

    return Path(str(resources.files("ehxl.workbook_templates") / name))


def new(kind: str, path: str | Path, *, force: bool = False) -> Path:
    """Copy one of ehxl's templates to ``path`` (refusing to overwrite unless ``force``)."""
    import shutil

    path = Path(path)
    if kind == "action_plan" and path.suffix.lower() == ".xlsm":
        kind = "action_plan_macros"
    name = TEMPLATE_FILES[kind]
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        path = path.with_suffix(Path(name).suffix)
    if path.exists() and not force:
        raise EhxlError("already exists; choose another name or add --force to overwrite it.", path=path)
    source = template_path(name)
    tmp = path.with_name(f".~ehxl-{path.name}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(path)
    return path
