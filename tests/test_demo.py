"""``ehxl demo``: the README's first command writes board-ready workbooks that LibreOffice opens."""
from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from click.testing import CliRunner

from ehxl.cli import main
from ehxl.package import Package


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(main, ["demo", str(folder)])
    assert res.exit_code == 0, res.output
    return folder


def test_demo_writes_four_rolled_up_workbooks(demo_dir):
    sheets = {p.name: [s.name for s in Package.open(p).sheets()] for p in sorted(demo_dir.glob("*.xlsx"))}
    assert len(sheets) == 4
    derby = sheets["derby-early-help-action-plan-2015-16.xlsx"]
    assert derby[:2] == ["Action plan", "Owners"]
    assert {"Summary", "Overdue", "Validation"} <= set(derby)
    assert "Maturity" in sheets["coventry-early-help-plan-2015-18.xlsx"]
    assert {"KPIs", "Audits"} <= set(sheets["derby-performance-and-audits-2014-16.xlsx"])


def test_demo_derby_overdue_worked_out_by_hand(demo_dir):
    from datetime import date

    from ehxl import api

    doc = api.overdue(demo_dir / "derby-early-help-action-plan-2015-16.xlsx", as_of=date(2015, 11, 2)).json("overdue")
    # By 1.7.15: 1.1, 4.1; By 1.8.15: 3.1; By 1.10.15: 1.2, 1.3, 2.2, 3.4 (6.3 is green: complete)
    assert [r["ref"] for r in doc["overdue"]] == ["1.1", "4.1", "3.1", "1.2", "1.3", "2.2", "3.4"]
    assert [r["days_overdue"] for r in doc["overdue"]] == [124, 124, 93, 32, 32, 32, 32]
    assert [r["ref"] for r in doc["due_soon"]] == ["2.3"]


def test_demo_derby_red_and_amber_actions_without_an_update(demo_dir):
    from datetime import date

    from ehxl import api

    doc = api.validate(demo_dir / "derby-early-help-action-plan-2015-16.xlsx", as_of=date(2015, 11, 2)).json("validate")
    # rows: header 4, theme 5, 1.1-1.4 in 6, 7, 9, 10 (8 continues 1.2), theme 11, 2.1-2.3 in 12-14, header again 15,
    # theme 16, 3.1-3.4 in 17-20, theme 21, 4.1 22, 4.4 23, 4.6 24, 6.x from 26: of the red and amber actions only
    # 4.4 (amber) has an empty "Progress As at 2.11.15"; 4.6 has none either but no RAG colour
    missing = [(f["cell"], f["severity"]) for f in doc["findings"] if f["rule"] == "update-missing"]
    assert missing == [("G23", "warning")]


def test_libreoffice_opens_the_demo_with_its_charts(demo_dir, tmp_path):
    soffice = shutil.which("soffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    files = sorted(demo_dir.glob("*.xlsx"))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file:///tmp/ehxl-lo-{uuid.uuid4().hex}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, files)],
                   capture_output=True, timeout=600)
    for f in files:
        pdf = tmp_path / (f.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 10_000, f"LibreOffice did not render {f.name}"
