"""The one exception ehxl lets reach a user: a problem it cannot work around.

It carries a single plain-English line naming the file (and the sheet and cell
where that applies), what is wrong and what to do.  The CLI prints it and
exits 2; the Excel buttons show it in an alert.  Nothing else should escape as
a traceback.

The line is written for the manager or performance officer who chose the file,
not for an engineer: it says what the file is (or seems to be), that ehxl left
it alone, and what to do next, without file-format words (zip, XML, part,
DTD).  Because the same line appears on the command line, in Excel and from
the Python API, it never names a command-line option; the CLI adds its own
hints (see :class:`WorkbookOpen`).
"""
from __future__ import annotations

from pathlib import Path


class EhxlError(Exception):
    """A job ehxl could not do, described in one line for the person running it."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None):
        self.path = str(path) if path is not None else None
        self.detail = message
        super().__init__(f"{Path(self.path).name}: {message}" if self.path else message)


class WorkbookRefused(EhxlError):
    """The file is not a workbook ehxl can safely read or write."""


class SaveRefused(EhxlError):
    """Saving would risk staff work (file open in Excel, changed on disk, a part altered)."""


class WorkbookOpen(SaveRefused):
    """Excel has the workbook open (its ``~$`` lock file is beside it), so it cannot be saved in place.

    The command line adds that ``-o`` writes to a new file instead, for the commands that have it."""
