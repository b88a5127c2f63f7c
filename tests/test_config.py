"""Settings from ehxl.toml beside the workbook and from a Config sheet inside it."""
from __future__ import annotations

from datetime import date

import pytest

from ehxl import api, config, rag
from ehxl.errors import EhxlError
from ehxl.grid import SheetGrid


def plan_with(path, *, config_rows=None, header_owner="Lead officer"):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan 2016"
    ws.append(["Ref", "Action", header_owner, "Deadline", "Status"])
    ws.append(["1", "Write strategy", "RP", "31/03/2016", "Blue"])
    ws.append(["2", "Launch hub", "RP", "31/05/2016", "Green"])
    if config_rows:
        cs = wb.create_sheet("Config")
        cs.append(["Setting", "Value"])
        for row in config_rows:
            cs.append(list(row))
    wb.save(path)
    return path


def test_toml_sets_as_of_columns_and_colours(tmp_path):
    path = plan_with(tmp_path / "plan.xlsx", header_owner="Accountable head")
    (tmp_path / "ehxl.toml").write_text(
        'as_of = 2016-06-30\ndue_soon_days = 10\n[columns]\nowner = "Accountable head"\n'
        '[colours]\nblue = "complete"\ngreen = "on track"\n')
    a = api.validate(path).analysis
    assert a.as_of == date(2016, 6, 30) and a.within == 10
    first, second = a.actions
    assert first.owner_text == "RP" and first.complete            # blue = complete
    assert not second.complete                                     # green = on track, here
    assert [x.ref for x in a.late] == ["2"]                        # due 31/05/2016, before 30/06/2016


def test_config_sheet_overrides_and_kinds(tmp_path):
    path = plan_with(tmp_path / "plan.xlsx", config_rows=[
        ("As of", "01/05/2016"), ("Due soon (days)", 45), ("Colour: blue", "complete"),
        ("Colour: green", "on track")])
    a = api.validate(path).analysis
    assert a.as_of == date(2016, 5, 1) and a.within == 45
    assert a.sheet_kinds == {"Plan 2016": "action_plan", "Config": "config"}
    assert [x.ref for x in a.soon] == ["2"]                        # 30 days after 1 May, inside 45


def test_unknown_settings_are_reported_not_ignored():
    g = SheetGrid("Config")
    for r, (k, v) in enumerate([("Setting", "Value"), ("As of", "next week"), ("Colour of the day", "red"),
                                ("Maturity method", "average")], start=1):
        g.set(r, 1, k)
        g.set(r, 2, v)
    cfg, problems = config.from_grid(g)
    assert [(p.rule, p.cell) for p in problems] == [("config-invalid", "B2"), ("config-invalid", "B3"),
                                                     ("config-invalid", "B4")]
    assert cfg.as_of is None and cfg.maturity_method is None


def test_config_legend_puts_its_own_colours_first():
    cfg = config.Config(colours={"blue": rag.Meaning.COMPLETE})
    assert cfg.legend().colour_for(rag.Meaning.COMPLETE) == "blue"


def test_broken_toml_is_one_clear_error(tmp_path):
    path = plan_with(tmp_path / "plan.xlsx")
    (tmp_path / "ehxl.toml").write_text("as_of = [unclosed\n")
    with pytest.raises(EhxlError, match="ehxl.toml"):
        api.validate(path)
