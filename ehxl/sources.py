"""The team workbooks a board pack is built from: found in folders, fingerprinted, named by team.

A performance officer's folder is whatever arrived by e-mail: Excel's ``~$``
lock files beside open workbooks, ehxl's own backups, last quarter's pack,
two copies of one team's file under different names.  This module decides
which files count, gives each its team, and records what a board needs to
trust the pack (size, time, SHA-256); it never opens a workbook for writing.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from . import config as cfg
from .errors import EhxlError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SKIPPED_FOLDERS = (".ehxl-backups",)


@dataclass
class Source:
    """One file considered for the pack, and what became of it."""

    path: Path                     # as found, for reading
    file: str                      # as shown: relative to the current folder where it can be
    link: str                      # relative to the pack's folder, with / separators: a hyperlink's target
    team: str
    size: int
    modified: datetime
    sha256: str
    status: str = "read"           # read | refused | duplicate | skipped (a board pack)
    message: str = ""
    sheets: dict[str, str] = field(default_factory=dict)   # sheet -> what ehxl read it as
    actions: int = 0
    errors: int = 0
    warnings: int = 0
    named: bool = False            # the team's name came from the folder's ehxl.toml
    city_wide: bool = False        # its tables cover the whole city (the folder's ehxl.toml says city = TEAM)

    def json(self) -> dict:
        return {"file": self.file, "team": self.team, "status": self.status, "message": self.message,
                "sha256": self.sha256, "actions": self.actions, "size": self.size,
                "modified": self.modified.isoformat(timespec="seconds"), "sheets": dict(self.sheets),
                "errors": self.errors, "warnings": self.warnings}


def find_workbooks(paths: Iterable[str | Path], *, out: str | Path | None = None) -> list[Path]:
    """Every workbook named or found (recursively) in the folders named, in a stable order.

    A file named directly is always taken (if it is not a workbook, reading it
    says so); inside folders only .xlsx and .xlsm count, and Excel's lock
    files, ehxl's backups, ehxl's temporary files and the pack itself are left out.
    """
    skip = Path(out).resolve() if out is not None else None
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise EhxlError("could not be found; check the path.", path=path)
        if path.is_dir():
            found += sorted((p for p in path.rglob("*") if _counts(p, path)), key=lambda p: _order(p, path))
        else:
            found.append(path)
    unique = list(dict.fromkeys(found))
    return [p for p in unique if skip is None or p.resolve() != skip]


def _order(path: Path, root: Path) -> tuple:
    """Folders first by name, then files by name without extension: north.xlsx before "north v2.xlsx"."""
    return tuple(part.casefold() for part in path.relative_to(root).parent.parts), path.stem.casefold(), path.suffix


def _counts(path: Path, root: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return False
    if path.name.startswith(("~$", ".~ehxl-", ".~")):
        return False
    return not any(part in SKIPPED_FOLDERS for part in path.relative_to(root).parts)


def describe(path: Path, *, pack: Path, teams: dict[str, str] | None = None) -> Source:
    """A file's fingerprint and its team (from the folder's ``ehxl.toml`` ``[teams]``, else its name)."""
    data = path.read_bytes()
    stat = path.stat()
    named = (teams or {}).get(path.name)
    return Source(path=path, file=_shown(path), link=_link(path, pack), team=named or path.stem, named=bool(named),
                  size=stat.st_size,
                  modified=datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0),
                  sha256=hashlib.sha256(data).hexdigest())


def folder_settings(folder: Path) -> cfg.Config:
    """The ``ehxl.toml`` in ``folder``: ``[teams]`` (file name -> team) and ``city`` (the city-wide team)."""
    toml = folder / "ehxl.toml"
    if not toml.exists():
        return cfg.Config()
    conf, problems = cfg.from_toml(toml)
    if problems:
        raise EhxlError(problems[0].message, path=toml)
    return conf


def mark_duplicates(sources: list[Source]) -> None:
    """Files with the same bytes are read once: the copy the folder's ehxl.toml names wins, else the
    oldest, else the shortest name ("north.xlsx" over "north (1).xlsx"); the others are marked."""
    groups: dict[str, list[Source]] = {}
    for src in sources:
        groups.setdefault(src.sha256, []).append(src)
    for group in groups.values():
        keeper = min(group, key=lambda s: (not s.named, s.modified, len(s.file), s.file))
        for src in group:
            if src is not keeper:
                src.status = "duplicate"
                src.message = f"has the same contents as {keeper.file}, so it was read once, as that file."


def _shown(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix() if not path.is_absolute() else path.as_posix()
    except ValueError:                       # another drive on Windows
        return path.as_posix()


def _link(path: Path, pack: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), pack.resolve().parent)).as_posix()
    except ValueError:
        return path.resolve().as_uri()
