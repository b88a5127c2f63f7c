"""ehxl as a library: one function per job, on workbook files.

Each function opens the workbook safely, runs :mod:`ehxl.engine`, and (where
the job writes) puts ehxl's sheets and flags into the file through the
lossless writer, saving atomically.  The CLI is a thin layer over these; the
Excel buttons call the engine directly on the open workbook.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .config import Config, parse_as_of, toml_config  # noqa: F401  (part of the library's surface)
from . import engine
from . import pack as pack_mod
from .errors import EhxlError
from .owners import OwnerRegister
from .package import Package
from .report import place_sheets
from .sources import Source, describe, find_workbooks, folder_settings, mark_duplicates
from .workbook_reading import read_workbook
from .workbook_writing import OWNED_STATE_SHEET, WorkbookWriter

Progress = Callable[[str], None]


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

    def json(self, what: str) -> dict:
        doc = engine.to_json(self.analysis, file=str(self.path), what=what)
        if self.written:
            doc["written"] = str(self.written)
        if what == "rollup":
            doc["sheets_written"] = list(self.sheets_written)
            doc["sheets_renamed"] = dict(self.sheets_renamed)
        return doc


def load_owners(path: str | Path) -> OwnerRegister:
    """An owner register from an .xlsx/.xlsm (its Owners sheet, else its first sheet) or a .csv."""
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
                              kinds=kinds)
    if engine.recognised_nothing(analysis):
        raise EhxlError("has no sheet ehxl recognises (no action plan, maturity grid, KPI or audit table: "
                        "no header row with columns such as Action, Owner and Deadline). "
                        "Name the sheet's kind with --sheet \"NAME=action_plan\" or an ehxl.toml.", path=path)
    return analysis, pkg, writer


def validate(path: str | Path, **kw) -> Result:
    """Check owners, deadlines and statuses; the workbook is not changed."""
    analysis, _, _ = analyse_file(path, **kw)
    return Result(Path(path), analysis)


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


def rollup(path: str | Path, *, out: str | Path | None = None, backup: bool = True, **kw) -> Result:
    """Write the Summary, Overdue and Validation sheets (and Maturity, KPIs, Audits) into the workbook, or into ``out``."""
    path = Path(path)
    analysis, _, writer = analyse_file(path, **kw)
    result = Result(path, analysis)
    specs = engine.board_sheets(analysis, source=path.name)
    names = place_sheets([s.name for s in specs], writer.sheet_names(), writer.owned_sheets())
    for spec in specs:
        writer.put_sheet(spec.renamed(names[spec.name]))
        result.sheets_written.append(names[spec.name])
    result.sheets_renamed = {base: name for base, name in names.items() if base != name}
    report = writer.save(target=out, backup=backup)
    result.written, result.backup = report.path, report.backup
    return result


@dataclass
class PackResult:
    """What ``rollup_pack`` did: the pack's figures, the files it read, and where it was written."""

    out: Path
    pack: "pack_mod.Pack"
    written: Path | None = None
    backup: Path | None = None
    sheets_written: list[str] = field(default_factory=list)
    sheets_renamed: dict[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> list[Source]:
        return [s for s in self.pack.sources if s.status == "refused"]

    def json(self) -> dict:
        doc = pack_mod.to_json(self.pack, file=str(self.out))
        doc["written"] = str(self.written) if self.written else None
        doc["sheets_written"] = list(self.sheets_written)
        doc["sheets_renamed"] = dict(self.sheets_renamed)
        return doc


def rollup_pack(paths: Sequence[str | Path], out: str | Path, *, backup: bool = True, **kw) -> PackResult:
    """One board pack from every team's workbook: the team files are only read, the pack is ehxl's.

    A file that cannot be read is one row in Sources and Validation, never the
    end of the pack; with nothing readable at all, nothing is written.
    """
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise EhxlError("is not a workbook name; give -o a name ending .xlsx, such as board-pack.xlsx.", path=out)
    return _write_pack(read_pack(paths, out=out, **kw), out, backup=backup)


def read_pack(paths: Sequence[str | Path], *, out: str | Path | None = None, as_of: date | None = None,
              within: int | None = None, owners: str | Path | None = None,
              kinds: Mapping[str, str] | None = None,
              progress: Callable[[int, int, Source], None] | None = None) -> "pack_mod.Pack":
    """Every team's workbook read and combined, nothing written: what validate and overdue show for many files."""
    out = Path(out) if out is not None else Path.cwd() / "board-pack.xlsx"
    files = find_workbooks(paths, out=out)
    if not files:
        raise EhxlError("holds no .xlsx or .xlsm workbooks to build a board pack from.",
                        path=Path(paths[0]) if len(paths) == 1 else None)
    sources = _describe_all(files, out)
    read = _read_all(sources, progress)
    register = load_owners(owners) if owners else _shared_register(read)
    teams = []
    for src, grids, conf in read:
        if not grids:
            src.status, src.message = "skipped", PACK_FILE
            continue
        analysis = engine.analyse(grids, as_of=as_of, within=within, owners=register, config=conf, kinds=kinds)
        if engine.recognised_nothing(analysis):
            _refuse(src, "has no sheet ehxl recognises (no action plan, maturity grid, KPI or audit table).")
            continue
        src.team = analysis.team or src.team
        src.sheets, src.actions = dict(analysis.sheet_kinds), len(analysis.actions)
        src.errors, src.warnings = analysis.errors, analysis.warnings
        teams.append(pack_mod.Team(src, analysis))
    if not teams:
        raise EhxlError("none of the workbooks could be read, so there is nothing to report on: "
                        + "; ".join(f"{s.file}: {s.message}" for s in sources if s.message))
    first = teams[0].analysis
    return pack_mod.combine(teams, sources, as_of=first.as_of, within=first.within)


PACK_FILE = "holds only sheets ehxl wrote (a board pack, say), not a team's workbook, so it was left out."


def _describe_all(files: list[Path], out: Path) -> list[Source]:
    """Each file's fingerprint and team, by the ehxl.toml of its folder (read once per folder)."""
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


def _read_all(sources: list[Source], progress) -> list[tuple[Source, list, Config | None]]:
    """Every team file's sheets and settings; a file that cannot be read is marked refused and left out."""
    read = []
    for i, src in enumerate(sources, start=1):
        if src.status == "read":
            try:
                read.append((src, _team_grids(src.path), toml_config(src.path)))
            except EhxlError as exc:
                _refuse(src, exc.detail)
        if progress:
            progress(i, len(sources), src)
    return read


def _team_grids(path: Path) -> list:
    pkg = Package.open(path)
    if pkg.strict:
        raise EhxlError("is saved as Strict Open XML, which ehxl does not read yet; in Excel use File > Save As > "
                        "Excel Workbook (.xlsx) and run ehxl again.", path=path)
    owned = WorkbookWriter(pkg).owned_sheets()
    grids = read_workbook(path, skip=[OWNED_STATE_SHEET, *owned], package=pkg).grids
    if not grids and not owned:
        raise EhxlError("has no worksheets ehxl can read.", path=path)
    return grids                      # none, but ehxl's own sheets: a board pack, not a team's workbook


def _refuse(src: Source, message: str) -> None:
    src.status, src.message = "refused", message


def _shared_register(read) -> OwnerRegister | None:
    """Every Owners sheet in any team's file, as one register applied to all of them (first listed wins)."""
    people = []
    for _, grids, _ in read:
        for grid in grids:
            if grid.name.strip().lower() in engine.OWNER_SHEETS:
                register, _ = engine.register_from_grid(grid)
                people += list(register or [])
    return OwnerRegister(people) if people else None


def _write_pack(pack, out: Path, *, backup: bool) -> PackResult:
    """The pack's sheets into OUT: a new pack from ehxl's empty one, or the existing pack refreshed in place."""
    existing = out.exists()
    pkg = Package.open(out if existing else template_path("board_pack.xlsx"))
    writer = WorkbookWriter(pkg)
    result = PackResult(out, pack)
    specs = pack_mod.sheets(pack, source=out.name)
    names = place_sheets([s.name for s in specs], writer.sheet_names(), writer.owned_sheets())
    for spec in specs:
        writer.put_sheet(spec.renamed(names[spec.name]))
        result.sheets_written.append(names[spec.name])
    result.sheets_renamed = {base: name for base, name in names.items() if base != name}
    report = writer.save(target=None if existing else out, backup=backup)
    result.written, result.backup = report.path, report.backup
    return result


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
