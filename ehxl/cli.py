"""The ``ehxl`` command: parse options, call one library function, show the result.

Exit codes: 0 done; 1 ``validate`` found errors; 2 the job could not be done
(missing or unreadable file, bad option), with one line on stderr.

Only click and the small ``errors`` module load at import: each command
imports the library inside its body, so ``ehxl --help`` and ``ehxl --version``
start in a few tens of milliseconds instead of loading every reader and writer.
"""
from __future__ import annotations

import atexit
import gc
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import click

from . import __version__
from .errors import EhxlError, WorkbookOpen

if TYPE_CHECKING:
    from . import api

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text: a readable table; json: exactly one JSON document on stdout.")
AS_OF = click.option("--as-of", "as_of", metavar="DATE",
                     help="Judge deadlines against this date (2026-11-22 or 22/11/2026). "
                          "Default: the workbook's Config 'As of', else today.")
SHEET = click.option("--sheet", "sheets", multiple=True, metavar="NAME=KIND",
                     help="Say what a sheet is when ehxl cannot tell: KIND is action_plan, maturity_grid, "
                          "kpi_table, audit_table, owners, targets or ignore. Repeatable.")
WORKBOOK = click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="WORKBOOK")


class _Group(click.Group):
    """Turns any ehxl problem into one line on stderr and exit code 2, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _usage(exc)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EhxlError as exc:
            _fail(str(exc) + _hint(ctx, exc))
        except click.UsageError as exc:
            _usage(exc)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:          # output piped into `head` and the reader left: not an error
            sys.stderr.close()
            os._exit(0)
        except KeyboardInterrupt:
            _fail("stopped; the workbook was not changed.")
        except Exception as exc:  # a bug must still not show a manager a traceback
            if os.environ.get("EHXL_DEBUG"):
                raise
            _fail(f"ehxl hit an unexpected problem ({type(exc).__name__}: {exc}). The workbook was not changed. "
                  f"Run again with EHXL_DEBUG=1 to see details, and report it.")


def _hint(ctx: click.Context, exc: EhxlError) -> str:
    """What only the command line can add to a library message: rollup and macros install can write elsewhere."""
    if isinstance(exc, WorkbookOpen) and ctx.invoked_subcommand in ("rollup", "macros"):
        return " Or leave it open and write to a new file with -o NEW-FILE."
    return ""


def _fail(message: str) -> None:
    click.echo(f"ehxl: {message}", err=True)
    sys.exit(2)


def _usage(exc: click.UsageError) -> None:
    """A mistyped command is one line too, with where to read how it goes (a bare group still shows its help)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        raise exc
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    _fail(" ".join(exc.format_message().split()) + where)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(version=__version__)
def main() -> None:
    """ehxl: action plans, maturity, KPIs and case-file audits, straight from your Excel workbooks.

    \b
    Typical use before a board meeting:
      ehxl validate plan.xlsx          check every action has an owner and a real deadline
      ehxl overdue plan.xlsx --mark    list what is overdue and flag it in the plan
      ehxl rollup plan.xlsx            write Summary, Overdue and Validation sheets into the workbook
      ehxl demo                        try it on realistic sample workbooks

    ehxl never changes a value you typed, keeps buttons, macros, dropdowns and formats,
    saves atomically, and keeps the previous version in a .ehxl-backups folder beside the file.
    """


def _kinds(sheets: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in sheets:
        name, sep, kind = item.rpartition("=")
        if not sep or not name.strip():
            raise EhxlError(f"--sheet \"{item}\" should look like \"Plan 2016=action_plan\".")
        out[name.strip()] = kind.strip()
    return out


def _common(as_of: str | None, sheets: Sequence[str]) -> dict:
    from . import api

    return {"as_of": api.parse_as_of(as_of), "kinds": _kinds(sheets) or None}


PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                       metavar="WORKBOOK|FOLDER...")


def _one_workbook(paths: Sequence[Path]) -> bool:
    return len(paths) == 1 and not paths[0].is_dir()


@main.command()
@PATHS
@click.option("--owners", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="An owner register (.xlsx or .csv with a Name column; optional Initials, Role, Email). "
                   "Default: the workbook's own Owners sheet, if any (for many files: any team's).")
@AS_OF
@SHEET
@FORMAT
def validate(paths: tuple[Path, ...], owners: Path | None, as_of: str | None, sheets: Sequence[str],
             fmt: str) -> None:
    """Check that every action has an owner, a real deadline and a status.

    Each problem names the sheet and cell. Exit code 1 when there are errors.
    The workbook is not changed. Give several workbooks or a folder to check
    every team's at once (each problem then names its team).

    \b
    Examples:
      ehxl validate "Early Help plan.xlsx" --owners owners.csv
      ehxl validate "Board Q3/"
    """
    from . import api
    from .pack import to_json as pack_json

    if not _one_workbook(paths):
        pack = api.read_pack(paths, owners=owners, **_common(as_of, sheets))
        _refusals(pack)
        if fmt == "json":
            _json(pack_json(pack, file=None, what="validate"))
        else:
            _team_findings_table(pack)
            click.echo(f"\n{_files_line(pack)}: {pack.errors} errors, {pack.warnings} warnings in "
                       f"{pack.summary['total']} actions.")
        sys.exit(1 if pack.errors else 0)
    path = paths[0]
    result = api.validate(path, owners=owners, **_common(as_of, sheets))
    a = result.analysis
    if fmt == "json":
        _json(result.json("validate"))
    else:
        _findings_table(a.findings)
        click.echo(f"\n{path.name}: {a.errors} errors, {a.warnings} warnings in {len(a.actions)} actions.")
    sys.exit(1 if a.errors else 0)


def _refusals(pack) -> None:
    for src in pack.sources:
        if src.status == "refused":
            click.echo(f"ehxl: {src.file}: {src.message} (left out)", err=True)


def _files_line(pack) -> str:
    read = sum(1 for s in pack.sources if s.status == "read")
    return f"{read} team workbooks"


@main.command()
@PATHS
@AS_OF
@click.option("--within", type=click.IntRange(0, 3650), metavar="DAYS",
              help="Also list actions due within this many days of the as-of date. Default 30.")
@click.option("--mark/--no-mark", default=False, show_default=True,
              help="Flag overdue deadline cells in your sheets (light red fill, dark red text). "
                   "Values are never changed; running again changes nothing more.")
@click.option("--clear", is_flag=True, help="Remove every flag ehxl added, restoring the cells' own formats.")
@SHEET
@FORMAT
def overdue(paths: tuple[Path, ...], as_of: str | None, within: int | None, mark: bool, clear: bool,
            sheets: Sequence[str], fmt: str) -> None:
    """List overdue actions (and those due soon), most overdue first.

    Overdue means a deadline before the as-of date on an action that is not
    complete. A revised deadline, where the plan has one, counts instead.
    Give several workbooks or a folder to list every team's (read only:
    --mark and --clear work on one workbook).

    \b
    Examples:
      ehxl overdue plan.xlsx --as-of 2015-11-02 --mark
      ehxl overdue "Board Q3/" --as-of 30/09/2025
    """
    from . import api
    from .pack import to_json as pack_json

    if not _one_workbook(paths):
        if mark or clear:
            raise click.UsageError("--mark and --clear change one workbook; for several, ehxl only reads them "
                                   "(team files are never changed). Give one workbook to flag its cells.")
        pack = api.read_pack(paths, within=within, **_common(as_of, sheets))
        _refusals(pack)
        if fmt == "json":
            _json(pack_json(pack, file=None, what="overdue"))
            return
        _team_action_table(pack.late, pack.as_of, "Days late", f"Overdue as of {pack.as_of:%d/%m/%Y}")
        click.echo("")
        _team_action_table(pack.soon, pack.as_of, "Days left", f"Due in the next {pack.within} days")
        return
    path = paths[0]
    result = api.overdue(path, mark=mark, clear=clear, within=within, **_common(as_of, sheets))
    a = result.analysis
    if fmt == "json":
        _json(result.json("overdue"))
        return
    _action_table(a.overdue_json(), "days_overdue", "Days late", f"Overdue as of {a.as_of:%d/%m/%Y}")
    click.echo("")
    _action_table(a.due_soon_json(), "days_left", "Days left", f"Due in the next {a.within} days")
    if clear:
        click.echo(f"\nRemoved {result.flags_changed} flags from {path.name}.")
    elif mark:
        click.echo(f"\nFlagged cells changed: {result.flags_changed}" +
                   (f" (saved; backup: {result.backup})" if result.backup else ""))


@main.command()
@PATHS
@AS_OF
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), metavar="OUT",
              help="Write the result to this file and leave WORKBOOK as it is. Required for a board pack "
                   "(several workbooks or a folder): OUT is the pack. Default: update WORKBOOK in place.")
@click.option("--within", type=click.IntRange(0, 3650), metavar="DAYS", help="'Due soon' window in days. Default 30.")
@click.option("--owners", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="An owner register (.xlsx or .csv), as for validate; in a board pack it applies to every team.")
@click.option("--history", "history", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The history of roll-ups to record this one in and compare with. "
                   "Default: ehxl-history.sqlite beside the workbook or pack.")
@click.option("--no-history", is_flag=True, help="Neither record this roll-up nor compare it with earlier ones.")
@click.option("--since", metavar="DATE|PATH",
              help="Compare with the latest recorded run on or before DATE, or with an earlier copy of the "
                   "workbook or folder (last quarter's files). Default: the latest run before this as-of date.")
@SHEET
@FORMAT
def rollup(paths: tuple[Path, ...], as_of: str | None, out: Path | None, within: int | None, owners: Path | None,
           history: Path | None, no_history: bool, since: str | None, sheets: Sequence[str], fmt: str) -> None:
    """Write board-ready summary sheets into the workbook, or one board pack from many.

    One workbook: adds (or refreshes) Summary, Overdue and Validation sheets,
    and Maturity, KPIs and Audits where the workbook has that data. Only sheets
    ehxl created are ever replaced; your own sheets are never touched.

    Several workbooks, or a folder of them (searched inside too): builds one
    board pack, OUT, with city totals and every team side by side (Summary),
    every team's overdue actions (Overdue) and problems (Validation), each
    linked to the cell in the team's own file, each KPI across teams with a
    city total per quarter (KPIs), maturity areas by team (Maturity), audit
    grades pooled (Audits), and the files it was built from (Sources). Team
    files are only read, never changed. Each file is a
    team, named after the file, or as an ehxl.toml in the folder says
    ([teams] "north.xlsx" = "North locality"). A file that cannot be read is
    listed, and the pack is built from the rest (exit code 1). Run it again
    with the same OUT to refresh the pack; sheets you added to it are kept.

    \b
    Every roll-up is recorded in a history beside the output, ehxl-history.sqlite.
    When there is an earlier run, a Changes sheet says what moved since then:
    statuses, completions, new and removed actions, revised deadlines and
    owners, red and amber updates left as they were, restated KPI figures, and a
    sentence on why the green share moved. A pack also gets a Trend sheet of
    every board so far. 'ehxl history' lists the runs.

    \b
    Examples:
      ehxl rollup "Team plans Q3.xlsx" --as-of 31/12/2025
      ehxl rollup "Board Q3/" -o "Board Q3/board-pack.xlsx"
      ehxl rollup north.xlsx south.xlsx east.xlsx -o pack.xlsx --format json
      ehxl rollup "Board Q3/" -o pack.xlsx --since "Board Q2/"
    """
    from . import api

    past = {"history": False if no_history else history, "since": since}    # a date or a path: see baseline
    if _one_workbook(paths):
        _rollup_one(paths[0], as_of, out, within, owners, sheets, fmt, past)
        return
    if out is None:
        raise click.UsageError("a board pack from several workbooks or a folder needs -o OUT, the pack's file "
                               "name (for example -o board-pack.xlsx).")
    result = api.rollup_pack(paths, out, within=within, owners=owners, progress=_pack_progress(paths, fmt),
                             **past, **_common(as_of, sheets))
    for src in result.refused:
        click.echo(f"ehxl: {src.file}: {src.message} (left out of the pack)", err=True)
    if fmt == "json":
        _json(result.json())
    else:
        _pack_text(result)
    if result.refused or result.pack.errors:
        sys.exit(1)


def _pack_progress(paths: Sequence[Path], fmt: str):
    """A progress bar on a terminal while team files are read; nothing in JSON mode or when stderr is captured."""
    if fmt == "json" or not sys.stderr.isatty():
        return None
    bars: list = []

    def step(done: int, total: int, src) -> None:
        if not bars:
            bars.append(click.progressbar(length=total, label="Reading team workbooks", file=sys.stderr,
                                          item_show_func=lambda s: s.file if s else ""))
            bars[0].__enter__()
        bars[0].update(1, src)
        if done == total:
            bars[0].__exit__(None, None, None)
    return step


def _pack_text(result: "api.PackResult") -> None:
    from .report import renamed_note

    p = result.pack
    s = p.summary
    read = [src for src in p.sources if src.status == "read"]
    copies = sum(1 for src in p.sources if src.status == "duplicate")
    click.echo(f"Board pack {result.out.name} as of {p.as_of:%d/%m/%Y}: {len(read)} team workbooks read, "
               f"{len(result.refused)} refused, {copies} duplicate{'' if copies == 1 else 's'}")
    _table(["Team", "Actions", "Complete", "Overdue", "Due soon", "File"],
           [[r["team"], r["total"], r["complete"], r["overdue"], r["due_soon"],
             next(src.file for src in read if src.team == r["team"])] for r in p.by_team],
           [24, 8, 8, 8, 8, 40])
    click.echo(f"\n  all teams: {s['total']} actions, {s['complete']} complete, {s['overdue']} overdue, "
               f"{s['due_soon']} due in the next {p.within} days")
    click.echo("  status: " + ", ".join(f"{k} {v}" for k, v in s["by_status"].items() if v))
    validation = result.sheets_renamed.get("Validation", "Validation")
    click.echo(f"  {p.errors} errors, {p.warnings} warnings (see the {validation} sheet)")
    click.echo(f"\nWrote {', '.join(result.sheets_written)} to {result.written}")
    if result.sheets_renamed:
        click.echo(renamed_note(result.sheets_renamed))
    if result.backup:
        click.echo(f"Previous version kept at {result.backup}")
    _changes_text(result.changes, result.history)


def _changes_text(changes: dict | None, history: Path | None) -> None:
    if changes:
        since = changes["since"]["as_of"]
        h = changes["headline"]
        click.echo(f"\nSince the run as of {since[8:10]}/{since[5:7]}/{since[:4]}: actions {h['total'][0]} -> "
                   f"{h['total'][1]}, complete {h['complete'][0]} -> {h['complete'][1]}, overdue {h['overdue'][0]} "
                   f"-> {h['overdue'][1]} (see the Changes sheet)")
        if changes["explanation"]:
            click.echo(f"  {changes['explanation']}")
    if history:
        click.echo(f"Recorded in {history}")


def _rollup_one(path: Path, as_of: str | None, out: Path | None, within: int | None, owners: Path | None,
                sheets: Sequence[str], fmt: str, past: dict) -> None:
    from . import api
    from .report import renamed_note

    result = api.rollup(path, out=out, within=within, owners=owners, **past, **_common(as_of, sheets))
    a = result.analysis
    if fmt == "json":
        _json(result.json("rollup"))
        return
    s = a.summary
    click.echo(f"{path.name} as of {a.as_of:%d/%m/%Y}")
    for name, kind in a.sheet_kinds.items():
        click.echo(f"  read {name!r} as {kind.replace('_', ' ')}")
    if s.get("total"):
        st = s["by_status"]
        click.echo(f"\n  {s['total']} actions: {s['complete']} complete, {s['overdue']} overdue, "
                   f"{s['due_soon']} due in the next {a.within} days")
        click.echo("  status: " + ", ".join(f"{k} {v}" for k, v in st.items() if v))
    validation = result.sheets_renamed.get("Validation", "Validation")
    click.echo(f"  {a.errors} errors, {a.warnings} warnings (see the {validation} sheet)")
    click.echo(f"\nWrote {', '.join(result.sheets_written)} to {result.written}")
    if result.sheets_renamed:
        click.echo(renamed_note(result.sheets_renamed))
    if result.backup:
        click.echo(f"Previous version kept at {result.backup}")
    _changes_text(result.changes, result.history)


@main.command("history")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[HISTORY]")
@FORMAT
def history_cmd(path: Path | None, fmt: str) -> None:
    """List every recorded roll-up with its headline figures, oldest first.

    HISTORY is the file ehxl rollup records in (default: ehxl-history.sqlite
    in this folder).

    \b
    Example:
      ehxl history "Board Q3/ehxl-history.sqlite"
    """
    from . import api

    runs = api.history_runs(path or Path("ehxl-history.sqlite"))
    if fmt == "json":
        _json({"history": str(path or "ehxl-history.sqlite"), "runs": [r.json() for r in runs]})
        return
    if not runs:
        click.echo("No roll-ups recorded yet: ehxl rollup records each one.")
        return
    rows = []
    for r in runs:
        j = r.json()
        pct = lambda v: "" if v is None else f"{v:.0f}%"        # noqa: E731
        rows.append([f"{date.fromisoformat(r.as_of):%d/%m/%Y}", r.run_at[:16].replace("T", " "), r.total, r.complete, r.overdue, pct(j["green_pct"]),
                     pct(j["amber_pct"]), pct(j["red_pct"]), r.output])
    _table(["Board (as of)", "Run at (UTC)", "Actions", "Complete", "Overdue", "Green", "Amber", "Red", "Output"], rows,
           [13, 16, 7, 8, 7, 5, 5, 5, 30])


@main.group()
def new() -> None:
    """Create a new workbook from one of ehxl's templates."""


def _new_command(kind: str, help_text: str) -> None:
    @new.command(name=kind.replace("_", "-"), help=help_text)
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
    def _cmd(path: Path, force: bool) -> None:
        from . import api

        written = api.new(kind, path, force=force)
        click.echo(f"Created {written}")


for _kind, _help in (("action_plan", "An action plan: Plan, Owners and Config sheets, dropdowns, RAG colours."),
                     ("maturity", "A maturity-matrix self-assessment: plan levels and the areas x levels grid."),
                     ("kpi", "A quarterly KPI table: measures x quarter-end dates, with a Targets sheet."),
                     ("audit", "A case-file-audit grade table: indicators x grades 0 Missing to 4 Outstanding.")):
    _new_command(_kind, _help)


@main.group()
def macros() -> None:
    """The Excel buttons (Validate, Flag overdue, Roll up, Clear flags): install them, or export the VBA module."""


@macros.command(name="install")
@WORKBOOK
@click.option("--sheet", "sheet", metavar="NAME",
              help="The sheet to put the buttons on. Default: ehxl's Summary sheet if the workbook has one, "
                   "else the action plan.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), metavar="OUT.xlsm",
              help="Write the macro-enabled workbook here. Default: WORKBOOK with .xlsm in place of .xlsx "
                   "(an .xlsm without macros is updated in place).")
@FORMAT
def macros_install(path: Path, sheet: str | None, out: Path | None, fmt: str) -> None:
    """Add the Validate, Flag overdue, Roll up and Clear flags buttons to a workbook.

    Works without Excel: ehxl writes its VBA module (ehxl.bas) and the four
    buttons into the file, and leaves everything else in it as it was. An
    .xlsx is saved as a new .xlsm beside it, since Excel only runs macros from
    an .xlsm. A workbook that already has macros of its own is left as it
    is: a new file "NAME with ehxl buttons.xlsm" holds its macros and ehxl's
    (one whose macros are signed or locked with a password is refused:
    import ehxl.bas by hand instead, see `ehxl macros export`).

    \b
    Then, once on each computer: pip install ehxl, xlwings addin install,
    and on Excel's xlwings tab set Interpreter (Windows) or Python path (Mac).

    \b
    Example:
      ehxl macros install "Early Help plan.xlsx"
    """
    from . import api

    result = api.install_macros(path, sheet=sheet, out=out)
    if fmt == "json":
        _json(result.json())
        return
    if result.already:
        where = f" (buttons on '{result.sheet}')" if result.sheet else ""
        click.echo(f"{path.name} already has ehxl's macros{where}; nothing changed.")
        return
    click.echo(f"Wrote {result.written} with buttons {', '.join(result.buttons)} on '{result.sheet}'.")
    if result.own_macros:
        click.echo(f"Your own macros are in it too, and {path.name} is unchanged. Open the new file, check that "
                   "your macros still run, then use it in place of the old one.")
    if result.backup:
        click.echo(f"Previous version kept at {result.backup}")
    click.echo("Open it in Excel and click Enable Content; the buttons need Python with ehxl and the xlwings "
               "add-in (xlwings addin install).")
    click.echo("If Excel says macros are blocked (a file that came by e-mail or download), close it, right-click "
               "it in File Explorer, Properties, tick Unblock, and open it again.")


@macros.command(name="export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def macros_export(directory: Path) -> None:
    """Write ehxl.bas into DIRECTORY, to import into a workbook by hand (Alt+F11, File > Import File)."""
    from . import excel

    click.echo(f"Wrote {excel.export_macros(directory)}")


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path), default=Path("ehxl-demo"))
@click.option("--as-of", "as_of", metavar="DATE", default=None,
              help="Judge the demo plans as of this date (default: the date the sample plans were reviewed).")
def demo(directory: Path, as_of: str | None) -> None:
    """Write realistic sample workbooks into DIRECTORY (default ./ehxl-demo) and roll them up.

    Open the workbooks afterwards: each has Summary, Overdue and Validation
    sheets (and Maturity, KPIs, Audits) as a board would see them.
    DIRECTORY/locality-teams holds four locality teams' workbooks (one damaged)
    and the board pack built from them.
    """
    from . import api
    from . import demo as demo_mod

    with click.progressbar(length=len(demo_mod.WORKBOOKS) + 1, label="Building and rolling up sample workbooks",
                           file=sys.stderr) as bar:
        results = demo_mod.run(directory, as_of=api.parse_as_of(as_of), progress=lambda _: bar.update(1))
        pack = demo_mod.run_pack(directory, as_of=api.parse_as_of(as_of), progress=lambda _: bar.update(1))
    for res in results:
        s = res.analysis.summary
        extra = [k for k in ("maturity", "kpis", "audits") if getattr(res.analysis, k)]
        click.echo(f"{res.written}: {s.get('total', 0)} actions, {s.get('overdue', 0)} overdue, "
                   f"{res.analysis.errors} errors" + (f"; {', '.join(extra)}" if extra else ""))
    click.echo(demo_mod.describe_pack(pack))
    click.echo(f"\nOpen the files in {directory} to see the Summary, Overdue and Validation sheets.")


def _json(doc: dict) -> None:
    import json

    click.echo(json.dumps(doc, indent=2, default=_json_default, ensure_ascii=False))


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> None:
    def fit(text: object, width: int) -> str:
        s = "" if text is None else " ".join(str(text).split())
        return s if len(s) <= width else s[: width - 1] + "…"

    def line(values: Sequence[object]) -> str:
        # the last column is never cut: it carries the message or the place a person needs in full
        cells = [fit(v, w).ljust(w) for v, w in zip(values[:-1], widths[:-1])]
        last = "" if values[-1] is None else " ".join(str(values[-1]).split())
        return "  ".join([*cells, last]).rstrip()

    click.echo(line(headers))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo(line(row))


def _findings_table(findings) -> None:
    if not findings:
        click.echo("No problems found.")
        return
    _table(("Severity", "Rule", "Where", "Message"),
           ((f.severity.value, f.rule, f"{f.sheet}!{f.cell}" if f.cell else f.sheet, f.message) for f in findings),
           (8, 20, 20, 60))


def _team_findings_table(pack) -> None:
    if not pack.findings:
        click.echo("No problems found.")
        return
    _table(("Severity", "Rule", "Team", "Where", "Message"),
           ((f.severity.value, f.rule, src.team, f"{f.sheet}!{f.cell}" if f.cell else src.file, f.message)
            for src, f in pack.findings),
           (8, 20, 16, 20, 60))


def _team_action_table(rows, as_of: date, label: str, title: str) -> None:
    from .actions import owner_names

    click.echo(f"{title}: {len(rows)}")
    if not rows:
        return
    _table(("Team", "Ref", "Action", "Owner(s)", "Deadline", label, "Status", "Where"),
           ((team.name, act.ref, act.action, ", ".join(owner_names(act)), act.due, abs((as_of - act.due).days),
             act.status or "", f"{team.source.file}: {act.sheet}!{act.cell('deadline')}") for team, act in rows),
           (16, 6, 34, 20, 10, 9, 6, 30))


def _action_table(rows: list[dict], key: str, label: str, title: str) -> None:
    click.echo(f"{title}: {len(rows)}")
    if not rows:
        return
    _table(("Ref", "Action", "Owner(s)", "Deadline", label, "Status", "Where"),
           ((r["ref"], r["action"], ", ".join(r["owners"]), r["deadline"], r[key], r["status"] or "",
             f"{r['sheet']}!{r['cell']}") for r in rows),
           (6, 40, 24, 10, 9, 6, 20))


def run() -> None:
    """The ``ehxl`` command as a process of its own (the console script, ``python -m ehxl.cli``).

    The process ends with the command, so Python's cycle collector stays paused
    throughout: the library pauses it for each job anyway, and turned back on
    it would first walk every object the job made (20-35 ms after a pack of 100
    teams).  What is left is frozen at exit, so the interpreter's last
    collection skips it (about 40 ms).  ``main`` itself, which tests and
    scripts call in their own process, leaves the collector as it was.
    """
    gc.disable()
    atexit.register(gc.freeze)
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
