"""The board-sheet layout helpers both writers share: style rectangles and chart sources."""
from __future__ import annotations

import pytest

from ehxl.report import Cell, Chart, Series, SheetSpec, block_address, chart_source, parse_ref, row_lines, \
    style_blocks


def spec_of(*rows: list[str | None]) -> SheetSpec:
    spec = SheetSpec("Test")
    for row in rows:
        spec.add_row(*(None if style is None else Cell("x", style) for style in row))
    return spec


def test_a_table_becomes_a_few_rectangles():
    spec = spec_of(["title"],
                   [],
                   ["header", "header", "header"],
                   ["text", "int", "pct"],
                   ["text", "int", "pct"],
                   ["text", "int", "rag_red"])
    # worked out by hand: the title; the header row; column A text rows 4-6; B ints 4-6; C pct 4-5; C6 red
    assert sorted(style_blocks(spec)) == sorted([
        ("title", (1, 1, 1, 1)), ("header", (3, 1, 3, 3)), ("text", (4, 1, 6, 1)), ("int", (4, 2, 6, 2)),
        ("pct", (4, 3, 5, 3)), ("rag_red", (6, 3, 6, 3))])


def test_side_by_side_columns_of_one_style_merge_and_gaps_split():
    spec = spec_of(["int", "int", None, "int"],
                   ["int", "int", None, "int"])
    assert sorted(style_blocks(spec)) == [("int", (1, 1, 2, 2)), ("int", (1, 4, 2, 4))]
    assert [block_address(b) for _, b in sorted(style_blocks(spec))] == ["A1:B2", "D1:D2"]


def test_every_styled_cell_is_covered_once():
    spec = spec_of(["text", "wrap", "date"], ["wrap", "wrap"], ["text", None, "date"], ["note"])
    covered = [(r, c) for _, (r1, c1, r2, c2) in style_blocks(spec)
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    styled = [(r, c) for r, row in enumerate(spec.rows, 1) for c, cell in enumerate(row, 1) if cell is not None]
    assert sorted(covered) == sorted(styled)


def test_parse_ref():
    assert parse_ref("'KPIs'!$B$5:$I$5") == (5, 2, 5, 9)
    assert parse_ref("'It''s'!A7") == (7, 1, 7, 1)
    assert parse_ref("Audits!$AA$10:$AB$12") == (10, 27, 12, 28)
    with pytest.raises(ValueError):
        parse_ref("B5:I5")


def test_chart_source_by_columns_and_by_rows():
    columns = Chart("column", "Levels", tuple(
        Series(f"Level {k}", "'M'!$A$6:$A$12", f"'M'!${c}$6:${c}$12") for k, c in enumerate("BCDE", 1)), "G5")
    assert chart_source(columns) == ((6, 2, 12, 5), (6, 1, 12, 1), "columns")
    line = Chart("line", "Open cases", (Series("Open cases", "'K'!$B$5:$I$5", "'K'!$B$7:$I$7"),), "A20")
    assert chart_source(line) == ((7, 2, 7, 9), (5, 2, 5, 9), "rows")


def test_chart_source_refuses_series_that_are_not_one_block():
    apart = Chart("column", "Apart", (Series("a", "'M'!$A$6:$A$9", "'M'!$B$6:$B$9"),
                                      Series("b", "'M'!$A$6:$A$9", "'M'!$D$6:$D$9")), "G5")
    with pytest.raises(ValueError, match="side by side"):
        chart_source(apart)
    mixed = Chart("column", "Mixed", (Series("a", "'M'!$A$6:$A$9", "'M'!$B$6:$B$9"),
                                      Series("b", "'M'!$A$7:$A$10", "'M'!$C$6:$C$9")), "G5")
    with pytest.raises(ValueError, match="categories"):
        chart_source(mixed)


def test_row_lines_counts_wrapped_lines_at_the_column_width():
    spec = SheetSpec("T", widths={1: 11.0})
    # width 11 leaves 10 characters a line: 25 characters need 3 lines, a second paragraph of 4 one more
    row = [Cell("a" * 25 + "\n" + "b" * 4, "wrap")]
    assert row_lines(spec, row) == 4
    assert row_lines(spec, [Cell("a" * 25, "text")]) == 1


def test_date_format_for_each_kind_of_value():
    from datetime import date, datetime, time

    from ehxl.report import date_format

    assert date_format(date(2015, 7, 1), "date") is None                   # the date style has its own format
    assert date_format(date(2015, 7, 1), "text") == "d mmm yyyy"          # a date in a text cell still reads as one
    assert date_format(datetime(2015, 7, 1), "date") is None              # midnight: a plain date
    assert date_format(datetime(2015, 7, 1, 9, 30), "date") == "d mmm yyyy hh:mm"
    assert date_format(time(9, 30), "text") == "hh:mm"
    assert date_format("1 Jul 2015", "text") is None and date_format(12, "int") is None


# ------------------------------------------------------------------ where ehxl's sheets go

from ehxl.report import place_sheets  # noqa: E402


BOARD = ["Summary", "Overdue", "Validation", "Maturity", "KPIs", "Audits"]


def test_ehxl_sheets_take_their_own_names_where_they_are_free():
    assert place_sheets(BOARD, ["Action plan", "Owners"], []) == {n: n for n in BOARD}


def test_a_staff_sheet_of_the_same_name_sends_ehxls_beside_it_whatever_its_case():
    placed = place_sheets(BOARD, ["Plan", "MATURITY", "summary", "Notes"], [])
    assert placed == {"Summary": "Summary (ehxl)", "Overdue": "Overdue", "Validation": "Validation",
                      "Maturity": "Maturity (ehxl)", "KPIs": "KPIs", "Audits": "Audits"}


def test_the_next_free_number_when_the_first_free_name_is_a_staff_sheet_too():
    assert place_sheets(["Summary"], ["Summary", "Summary (ehxl)", "summary (EHXL 2)"], []) == \
        {"Summary": "Summary (ehxl 3)"}


def test_a_later_run_finds_ehxls_renamed_sheet_again():
    existing = ["Plan", "Maturity", "Summary", "Maturity (ehxl)", "Overdue", "Validation", "Summary (ehxl 2)"]
    owned = ["Maturity (ehxl)", "Overdue", "Validation", "Summary (ehxl 2)"]
    assert place_sheets(["Summary", "Overdue", "Validation", "Maturity"], existing, owned) == {
        "Summary": "Summary (ehxl 2)", "Overdue": "Overdue", "Validation": "Validation",
        "Maturity": "Maturity (ehxl)"}


def test_ehxls_own_sheet_under_the_plain_name_is_refreshed_in_place():
    assert place_sheets(["Summary"], ["Summary", "Summary (ehxl)"], ["Summary"]) == {"Summary": "Summary"}


def test_a_long_name_is_cut_to_leave_room_within_excels_31_characters():
    base = "Quarterly performance summary"                     # 29 characters
    placed = place_sheets([base], [base], [])[base]
    # 31 - len(" (ehxl)") = 24 characters of the name are kept: "Quarterly performance su"
    assert placed == "Quarterly performance su (ehxl)" and len(placed) == 31
    # found again on the next run although the name was cut
    assert place_sheets([base], [base, placed], [placed]) == {base: placed}


def test_renaming_a_spec_moves_its_chart_ranges_and_links_into_itself_only():
    spec = SheetSpec("KPIs")
    spec.add_row(Cell("Back to the plan", "link", link="'Action plan'!E6"),
                 Cell("See below", "link", link="'KPIs'!A20"), Cell("web", "link", link="https://example.org"))
    spec.charts.append(Chart("line", "Cases", (Series("Cases", "'KPIs'!$B$5:$I$5", "'KPIs'!$B$6:$I$6"),), "A10"))
    moved = spec.renamed("KPIs (ehxl)")
    assert moved.name == "KPIs (ehxl)" and spec.name == "KPIs"
    assert [c.link for c in moved.rows[0]] == ["'Action plan'!E6", "'KPIs (ehxl)'!A20", "https://example.org"]
    series = moved.charts[0].series[0]
    assert (series.categories, series.values) == ("'KPIs (ehxl)'!$B$5:$I$5", "'KPIs (ehxl)'!$B$6:$I$6")
    assert spec.charts[0].series[0].values == "'KPIs'!$B$6:$I$6"


def test_a_quote_in_the_new_name_is_doubled():
    spec = SheetSpec("Audits")
    spec.charts.append(Chart("column", "Grades", (Series("Good", "'Audits'!$A$2:$A$3", "'Audits'!$B$2:$B$3"),),
                             "D2"))
    assert spec.renamed("Team's Audits").charts[0].series[0].values == "'Team''s Audits'!$B$2:$B$3"


@pytest.mark.parametrize("link, leaves", [
    ("https://example.org/plan", True), ("HTTP://example.org", True), ("mailto:lead@example.org", True),
    ("ftp:x", True), ("file:///C:/plans/team.xlsx", True), ("'Plan'!F12", False), ("'Plan'!A1:B2", False),
    ("Plan!$A$1:$H$9", False), ("#'Plan'!A1", False), ("'http:'!A1", False), ("https//example.org", False), ("", False),
])
def test_a_link_leaves_the_workbook_only_when_it_starts_with_a_scheme_and_its_colon(link, leaves):
    from ehxl.report import is_url

    assert is_url(link) is leaves
