"""LibreOffice headless as the tests run it: each conversion with a user profile of its own, removed after.

A profile of its own lets conversions run side by side (LibreOffice refuses a
second process on one profile); removing it keeps every run from leaving a
profile folder in the system's temporary folder.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

import pytest


def soffice() -> str:
    """The ``soffice`` program, or the test skipped with the reason."""
    found = shutil.which("soffice")
    if not found:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    return found


def convert(files: Iterable[Path], to: str, outdir: Path, *, timeout: int,
            check: bool = False) -> subprocess.CompletedProcess:
    """Open ``files`` in LibreOffice and save each as ``to`` (a filter, such as "csv" or "ods") into ``outdir``."""
    with tempfile.TemporaryDirectory(prefix="ehxl-lo-") as profile:
        return subprocess.run([soffice(), "--headless", f"-env:UserInstallation={Path(profile).as_uri()}",
                               "--convert-to", to, "--outdir", str(outdir), *map(str, files)],
                              capture_output=True, timeout=timeout, check=check)
