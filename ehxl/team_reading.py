"""Reading a board pack's team workbooks, in this process or across the machine's cores.

A city's pack is a hundred workbooks, each read and analysed on its own, so
the work splits cleanly over a process pool.  Two things keep the parallel
path giving exactly what the serial one gives:

* The owner register shared by every team comes from the Owners sheets of
  *all* the files, which is known only once every file is read.  It is first
  guessed from the files whose workbook.xml lists an Owners sheet, read whole
  by the pool and this process alike and kept for their analysis (reading is
  most of a file's work and needs no register); the pool then analyses every
  file against the guess, and the guess is checked against the Owners sheets
  the analyses found; when a file failed the full read (so its owners do not
  count) the files are analysed again with the right register.
* Workers send back plain outcomes, never an exception (``EhxlError`` takes a
  keyword-only ``path`` and does not survive unpickling), and results are put
  back in the files' order whatever order the workers finish in.

This process is one of the readers: the pool has a worker fewer than there are
cores, and this process takes files from the end of the queue for as long as
no worker has started them.  What it reads is never pickled, and on two cores
one worker is started instead of two.

When a pack is written, the pool stays open until it is saved: a worker then
records the pack's history while this process renders and saves the pack
(:class:`Workers`), instead of both waiting on one process.

The workers are module-level functions with picklable arguments, so the pool
works under every start method ("spawn" on Windows and macOS, where each worker
imports ehxl afresh).
"""
from __future__ import annotations

import copyreg
import gc
import io
import os
import pickle
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from . import engine
from .analysis import Analysis
from .config import Config, toml_config
from .errors import EhxlError
from .grid import SheetGrid
from .owners import Owner, OwnerRegister
from .package import Package
from .workbook_reading import read_workbook
from .workbook_writing import OWNED_STATE_SHEET, WorkbookWriter

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.connection import Connection

    from .baseline import Past
    from .changes import Snapshot

#: Files from which a pool pays for itself, by how its workers start.  Measured on 4 December 2026 on a
#: 2-core machine, whole ``ehxl rollup`` runs over team files of 30-200 actions: with "fork" (Linux's default
#: before Python 3.14) 6 files took the same either way and 8 were faster in the pool; with "spawn" (Windows,
#: macOS), where every worker imports ehxl first, 32 took the same either way and 48 were faster.
FORK_FROM = 8
SPAWN_FROM = 32
#: None: the platform's default start method; tests set "spawn" to check what Windows and macOS do.
START_METHOD: str | None = None


@dataclass
class Outcome:
    """What became of one team file: its analysis, or why it was left out."""

    analysis: Analysis | None = None
    refused: str | None = None                           # why it could not be read
    skipped: bool = False                                # only ehxl's own sheets: a board pack
    people: list[Owner] = field(default_factory=list)    # its Owners sheets', for the register shared by all teams


def team_grids(path: Path) -> list[SheetGrid]:
    """The staff's sheets of one file; none (but no error) when it holds only ehxl's sheets, as a pack does."""
    pkg = Package.open(path)
    if pkg.strict:
        raise EhxlError("is saved as Strict Open XML, which ehxl does not read yet; in Excel use File > Save As > "
                        "Excel Workbook (.xlsx) and run ehxl again.", path=path)
    owned = WorkbookWriter(pkg).owned_sheets()
    grids = read_workbook(path, skip=[OWNED_STATE_SHEET, *owned], package=pkg).grids
    if not grids and not owned:
        raise EhxlError("has no worksheets ehxl can read.", path=path)
    return grids


def read_team(path: Path) -> tuple[list[SheetGrid], Config | None]:
    """One file's sheets and the settings of its folder's ehxl.toml."""
    return team_grids(path), toml_config(path)


def owner_people(grids: Sequence[SheetGrid]) -> list[Owner]:
    """The people on a file's Owners sheets, in order: its share of the register applied to every team."""
    people: list[Owner] = []
    for grid in grids:
        if grid.name.strip().lower() in engine.OWNER_SHEETS:
            register, _ = engine.register_from_grid(grid)
            people += list(register or [])
    return people


def analysed(grids: list[SheetGrid], conf: Config | None, register: OwnerRegister | None,
             options: Mapping) -> Outcome:
    """One read file analysed against the shared register (``options``: as_of, within, kinds)."""
    if not grids:
        return Outcome(skipped=True)
    return Outcome(engine.analyse(grids, owners=register, config=conf, **options), people=owner_people(grids))


def pays(files: int) -> bool:
    """Whether reading this many files in a pool is faster than reading them here."""
    import multiprocessing

    if cores() < 2:
        return False
    method = START_METHOD or multiprocessing.get_start_method(allow_none=True) or \
        multiprocessing.get_all_start_methods()[0]
    return files >= (FORK_FROM if method == "fork" else SPAWN_FROM)


def cores() -> int:
    """The cores this process may use (a container or ``taskset`` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                   # Windows, macOS
        return os.cpu_count() or 1


def analyse_in_pool(paths: Sequence[Path], given: OwnerRegister | None, options: Mapping,
                    done: Callable[[int, Outcome], None] | None = None,
                    workers: Workers | None = None) -> list[Outcome]:
    """Every file read and analysed by a pool of processes, in ``paths`` order; ``done(i, outcome)`` as each
    finishes (not for the files read again when the guessed register was wrong).

    ``given`` is the register named on the command line; without one, the
    register is the Owners sheets of every file that reads, as in the serial path.
    The pool is ``workers``' (left open for the pack's history), else one of its own.
    """
    from concurrent.futures.process import BrokenProcessPool

    reported = []

    def report(i: int, outcome: Outcome) -> None:
        reported.append(i)
        if done:
            done(i, outcome)

    own = workers is None
    workers = workers or Workers()
    try:
        return _rounds(workers.start(len(paths)), paths, given, options, report)
    except (BrokenProcessPool, OSError) as exc:
        if reported:
            raise
        raise PoolUnavailable(str(exc)) from exc
    finally:
        if own:
            workers.close()


class Workers:
    """The pool of processes a pack's files are read in, started when first asked for and kept open until the
    pack is written: its history is then recorded by a worker while this process renders and saves the pack
    (:meth:`record`), instead of after the save while the workers sit idle.

    The workers pause the cycle collector as this process does (started by
    "spawn", they would not), and hold the end of a pipe on which this process
    says whether the pack was saved (see :func:`_saved`).
    """

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self._word: Connection | None = None
        self._heard: Connection | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, files: int) -> ProcessPoolExecutor:
        """The pool, started for this many files: a worker fewer than the cores, as this process reads too."""
        from concurrent.futures import ProcessPoolExecutor          # here: 25 ms of imports a single file never needs
        from multiprocessing import get_context

        if self.pool is None:
            context = get_context(START_METHOD)
            try:
                self._heard, self._word = context.Pipe(duplex=False)
                self.pool = ProcessPoolExecutor(max(1, min(cores() - 1, files - 1)), mp_context=context,
                                                initializer=_start_worker, initargs=(self._heard,))
            except OSError as exc:
                raise PoolUnavailable(str(exc)) from exc
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False)       # a worker still starting ("spawn") stops while this process ends
            self.pool = None
        for end in (self._heard, self._word):
            if end is not None:
                end.close()
        self._heard = self._word = None

    def record(self, past: Past, snapshot: Snapshot, rows: list[bytes], written: Path, kind: str, *,
               sources: list[dict], findings: list[dict]) -> Recording | None:
        """``past.record(...)`` begun by a worker, of ``snapshot`` with ``rows`` (each team's action rows,
        pickled) as its actions, and committed when :meth:`Recording.finish` says the pack was saved; None
        when no worker can take it (then record the run after the save, here)."""
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None or self._word is None:
            return None
        try:
            future = self.pool.submit(_record, past, snapshot, rows, written, kind, sources, findings)
        except (BrokenProcessPool, RuntimeError):           # RuntimeError: the pool was shut down
            return None
        return Recording(future, self._word)


class Recording:
    """A run being recorded by a worker (:meth:`Workers.record`), waiting for this process's word."""

    def __init__(self, future: Future, word: Connection) -> None:
        self._future, self._word = future, word

    def finish(self) -> Path | None:
        """The pack is saved: the run is committed, and its history's path returned (what went wrong, raised)."""
        self._tell(True)
        path, problem = self._future.result()
        if problem is not None:
            raise EhxlError(problem[0], path=problem[1])
        return path

    def abandon(self) -> None:
        """The pack was not saved: the run is rolled back."""
        self._tell(False)

    def _tell(self, saved: bool) -> None:
        try:
            self._word.send(saved)
        except OSError:                # no worker left to hear it: the future says what became of it
            pass


def _rounds(pool: ProcessPoolExecutor, paths: Sequence[Path], given: OwnerRegister | None, options: Mapping,
            done: Callable[[int, Outcome], None]) -> list[Outcome]:
    """The outcomes against the register given, else against the guess, read again if the guess was wrong."""
    if given is not None:
        return _analyse(pool, paths, given, options, done)
    try:
        guess = _guess(pool, paths)
        outcomes = _analyse(pool, paths, _register(guess), options, done)
    finally:
        _READ.clear()
    found = [p for o in outcomes for p in o.people]
    if found != guess:                       # a file with an Owners sheet failed its full read
        outcomes = _analyse(pool, paths, _register(found), options, None)
    return outcomes


def _guess(pool: ProcessPoolExecutor, paths: Sequence[Path]) -> list[Owner]:
    """The people on the Owners sheets of every file that may have one, read by the pool's workers and this
    process alike (see :func:`_read_for_guess`)."""
    listing = [path for path in paths if _may_list_owners(path)]
    people: list[list[Owner] | None] = [None] * len(listing)

    def got(i: int, found: list[Owner]) -> None:
        people[i] = found

    _share_out(pool, listing, lambda path: pool.submit(_read_for_guess, path), _read_for_guess, got)
    return [person for found in people for person in found or ()]


class PoolUnavailable(Exception):
    """No worker process could start (no semaphores in a sandbox, or a script run under "spawn" without
    ``if __name__ == "__main__":``), and nothing has been reported yet: read the files in this process."""


def _register(people: list[Owner]) -> OwnerRegister | None:
    return OwnerRegister(people) if people else None


def _analyse(pool: ProcessPoolExecutor, paths: Sequence[Path], register: OwnerRegister | None, options: Mapping,
             done: Callable[[int, Outcome], None] | None) -> list[Outcome]:
    """Every file's outcome: the pool's workers take files from the start, this process from the end.

    Between its own files this process unpickles what the workers have
    finished, so that work is shared out too instead of left to the end.
    """
    shared = zlib.compress(_dumps(register), 1) if register is not None else None
    outcomes: list[Outcome | None] = [None] * len(paths)

    def got(i: int, outcome: Outcome | bytes) -> None:
        outcomes[i] = _with_register(pickle.loads(outcome), register) if isinstance(outcome, bytes) else outcome
        if done:
            done(i, outcomes[i])

    _share_out(pool, paths, lambda path: pool.submit(_read_and_analyse, path, shared, dict(options)),
               lambda path: _light(_outcome(path, register, options)), got)
    return outcomes                                  # type: ignore[return-value]


def _share_out(pool: ProcessPoolExecutor, paths: Sequence[Path], submit: Callable[[Path], Future],
               here: Callable[[Path], object], got: Callable[[int, object], None]) -> None:
    """``got(i, result)`` for every path: the pool's workers take paths from the start, this process (``here``)
    from the end for as long as no worker has started them, and between its own it takes what the workers have
    finished, so that work is shared out too instead of left to the end."""
    from concurrent.futures import as_completed

    futures = [submit(path) for path in paths]
    taken = [False] * len(paths)

    def collect(i: int) -> None:
        taken[i] = True
        got(i, futures[i].result())

    try:
        ready = 0                                    # the workers' results collected so far, in order
        for i in reversed(range(len(paths))):
            while ready < i and futures[ready].done():
                collect(ready)
                ready += 1
            if not futures[i].cancel():              # a worker has it: every file before it is theirs too
                break
            taken[i] = True
            got(i, here(paths[i]))
        left = {future: i for i, future in enumerate(futures) if not taken[i]}
        for future in as_completed(left):
            collect(left[future])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


#: A ``<sheet name="Owners" ...>`` (or "owner register"...) in workbook.xml, looked for as bytes.
_OWNER_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="\s*owner', re.I)


def _may_list_owners(path: Path) -> bool:
    """Whether the file may have an Owners sheet, from its workbook.xml alone (about 0.3 ms a file).

    Most team files have none, and the careful guess (the package opened and
    checked) then costs more than the rest of the pool's start; when in doubt
    this says yes, and a file it missed is still caught by the check of the guess.
    """
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/workbook.xml")
            return info.file_size > 1 << 20 or bool(_OWNER_SHEET.search(z.read(info)))
    except (KeyError, OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
            zlib.error):
        return True


def _read_and_analyse(path: Path, register: bytes | None, options: dict) -> bytes:
    """The worker: one file's outcome, pickled here so that its legends' read-only mappings go too, and without
    the shared register (see :func:`_with_register`)."""
    shared = _unpickled(register)
    outcome = _light(_outcome(path, shared, options))
    if shared and outcome.analysis is not None:
        outcome.analysis.register = None
    return _dumps(outcome)


def _with_register(outcome: Outcome, register: OwnerRegister | None) -> Outcome:
    """A worker's outcome given back the shared register its analysis was checked against, as this process's
    own object: sent with every team it was 42 KB a team for a city's 300 people (more than the team's
    actions and findings), and a copy of it per team here.  A register with people in it is always the one
    the analysis holds (the engine turns to a team's own Owners sheet only without one)."""
    if register and outcome.analysis is not None:
        outcome.analysis.register = register
    return outcome


#: The register the last task named, as sent and as unpickled: a worker unpickles it once, not once per file
#: (a city's register of 300 people is 19 KB), and shares it between files as the serial path does.  It is
#: sent deflated (2 KB; 3 KB for the 1,400 people of a hundred teams' Owners sheets, 76 KB as it is): sent whole
#: with every file it kept the worker waiting for its next file, while this process's thread that feeds the
#: pool waited for the GIL to write the rest of it into a pipe of 64 KB.
_REGISTER: tuple[bytes | None, OwnerRegister | None] = (None, None)


def _unpickled(register: bytes | None) -> OwnerRegister | None:
    global _REGISTER
    if register is None:
        return None
    if _REGISTER[0] != register:
        _REGISTER = (register, pickle.loads(zlib.decompress(register)))
    return _REGISTER[1]


#: A worker's end of the pipe on which this process says whether the pack was saved (:class:`Workers`).
_HEARD: Connection | None = None


def _start_worker(heard: Connection) -> None:
    global _HEARD
    gc.disable()
    _HEARD = heard


def _record(past: Past, snapshot: Snapshot, rows: list[bytes], written: Path, kind: str, sources: list[dict],
            findings: list[dict]) -> tuple[Path | None, tuple[str, str | None] | None]:
    """The worker recording a pack's run: (the history's path, None), or (None, the EhxlError's detail and path),
    which does not survive unpickling (see :class:`Outcome`)."""
    snapshot.actions = [row for team in rows for row in pickle.loads(team)]
    try:
        return past.record(snapshot, written, kind, sources=sources, findings=findings, before_commit=_saved), None
    except EhxlError as exc:
        return None, (exc.detail, exc.path)


class NotSaved(Exception):
    """The pack was not saved, so the run recorded beside the save is rolled back."""


def _saved() -> None:
    """Wait for this process's word that the pack is saved (:meth:`Recording.finish`); raise if it was not, or if
    the process ended without a word (killed, say), so the history is not left locked by a worker waiting for it."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    while _HEARD is not None and not _HEARD.poll(_LISTEN_S):
        if parent is None or not parent.is_alive():
            raise NotSaved()
    if _HEARD is None or not _HEARD.recv():
        raise NotSaved()


#: How long a worker waits for the word before it looks whether this process is still there.
_LISTEN_S = 1.0


def _outcome(path: Path, register: OwnerRegister | None, options: Mapping) -> Outcome:
    """One file read (unless this process read it for the guess) and analysed, or why it could not be read."""
    try:
        read = _READ.pop(path, None) or read_team(path)
        return analysed(*read, register, options)
    except EhxlError as exc:
        return Outcome(refused=exc.detail)


#: The files this process read whole for the guess (see :func:`_read_for_guess`), by path, until analysed.
_READ: dict[Path, tuple[list[SheetGrid], Config | None]] = {}


def _read_for_guess(path: Path) -> list[Owner]:
    """The people on a file's Owners sheets, for the guess; the file is read whole and kept for its analysis.

    The register is known only once every such file is read, but reading is
    most of a file's work and needs no register: kept here, the analysis that
    follows (by this process, when it takes the file again) does not read it
    twice, and the workers read while the guess is made instead of waiting for
    it.  A file that does not read whole is guessed from its Owners sheets alone
    (as if it had read: the check of the guess then finds its people missing).
    """
    try:
        read = read_team(path)
    except Exception:                               # noqa: BLE001  (its analysis reads it again, and says why)
        return _guess_people(path)
    _READ[path] = read
    return owner_people(read[0])


def _light(outcome: Outcome) -> Outcome:
    """The outcome without each action's raw cell texts: read only while analysing, a tenth of what is sent
    (dropped from what this process reads too, so the pack is the same whichever process read a file)."""
    if outcome.analysis is not None:
        for plan in outcome.analysis.plans:
            for act in plan.actions:
                act.texts = {}
    return outcome


def _guess_people(path: Path) -> list[Owner]:
    """The people on a file's Owners sheets, reading only those sheets: a guess that the full read checks."""
    try:
        pkg = Package.open(path)
        names = [s.name for s in pkg.sheets()]
        if not any(n.strip().lower() in engine.OWNER_SHEETS for n in names):
            return []
        others = [n for n in names if n.strip().lower() not in engine.OWNER_SHEETS]
        return owner_people(read_workbook(path, skip=others, package=pkg).grids)
    except Exception:                               # noqa: BLE001  (a wrong guess is corrected, never used)
        return []


def _dumps(obj: object) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.dump(obj)
    return buf.getvalue()


def _reduce_proxy(proxy: MappingProxyType) -> tuple:
    return _proxy, (dict(proxy),)


def _proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)
