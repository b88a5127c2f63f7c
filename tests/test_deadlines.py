"""Every date phrase of DOMAIN.md and of the seeds' deadline, timescale, start and end columns."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from ehxl.deadlines import DateKind, financial_year, month_end, parse_date_text, quarter_end

D, O, C, M, U, E = (DateKind.DEADLINE, DateKind.ONGOING, DateKind.COMPLETED, DateKind.MILESTONES,
                    DateKind.UNKNOWN, DateKind.EMPTY)

CASES = [
    # DOMAIN.md's table
    ("By 1.7.15.", D, date(2015, 7, 1)),
    ("1.7.15", D, date(2015, 7, 1)),
    ("31/3/2021", D, date(2021, 3, 31)),
    ("1 st April 2020", D, date(2020, 4, 1)),
    ("From 1.4.15", O, date(2015, 4, 1)),
    ("1.4.17 Ongoing", O, date(2017, 4, 1)),
    ("Ongoing", O, None),
    ("On-going", O, None),
    ("Jan 2021 onwards", O, date(2021, 1, 1)),
    ("June 2016", D, date(2016, 6, 30)),
    ("March 17", D, date(2017, 3, 31)),
    ("End of May 16", D, date(2016, 5, 31)),
    ("Jan 2022", D, date(2022, 1, 31)),
    ("Beg April 16", D, date(2016, 4, 1)),
    ("Q3 2020/21", D, date(2020, 12, 31)),
    ("Completed Feb 16", C, date(2016, 2, 29)),
    ("End of May 16 September 16", M, date(2016, 9, 30)),
    ("June 17 – 12 months", D, date(2017, 6, 30)),
    ("Full programme implementation March 2018", D, date(2018, 3, 31)),
    # seed 000 and 004 "By When"
    ("By 1.10.15.", D, date(2015, 10, 1)),
    ("By 1.10.15", D, date(2015, 10, 1)),
    ("From 1.4.15.", O, date(2015, 4, 1)),
    ("From 1.5.15.", O, date(2015, 5, 1)),
    ("From 1.5.15", O, date(2015, 5, 1)),
    ("By 30.11.15.", D, date(2015, 11, 30)),
    ("By 1.8.15.", D, date(2015, 8, 1)),
    ("By 1.4.15.", D, date(2015, 4, 1)),
    ("By 1.6.16", D, date(2016, 6, 1)),
    ("By 1.4.16.", D, date(2016, 4, 1)),
    ("By 2.1.16.", D, date(2016, 1, 2)),
    ("1.9.16.", D, date(2016, 9, 1)),
    ("1.8.16", D, date(2016, 8, 1)),
    ("1.12.16.", D, date(2016, 12, 1)),
    ("1.6.16. 1.9.16.", M, date(2016, 9, 1)),
    ("1.4.17 Ongoing.", O, date(2017, 4, 1)),
    ("By 1.4.17.", D, date(2017, 4, 1)),
    ("By 1.9.16.", D, date(2016, 9, 1)),
    ("Audits every quarter until 1.4.17.", D, date(2017, 4, 1)),
    ("From June 2016.", O, date(2016, 6, 1)),
    ("September 2016.", D, date(2016, 9, 30)),
    ("December 2016", D, date(2016, 12, 31)),
    ("November 2016", D, date(2016, 11, 30)),
    ("May 2017.", D, date(2017, 5, 31)),
    ("June 2016.", D, date(2016, 6, 30)),
    ("July 2016.", D, date(2016, 7, 31)),
    ("November 2016 and February 2017.", M, date(2017, 2, 28)),
    # seed 003 start / end dates
    ("01/04/2020", D, date(2020, 4, 1)),
    ("31 st March 2021", D, date(2021, 3, 31)),
    ("1 st April 2021", D, date(2021, 4, 1)),
    ("30/06/2019", D, date(2019, 6, 30)),
    ("30/09/2020", D, date(2020, 9, 30)),
    ("31/03/2020", D, date(2020, 3, 31)),
    ("March 2020", D, date(2020, 3, 31)),
    ("Oct 2020", D, date(2020, 10, 31)),
    ("Jan 2021", D, date(2021, 1, 31)),
    ("Feb 2021", D, date(2021, 2, 28)),
    ("September 2020", D, date(2020, 9, 30)),
    ("September 2021", D, date(2021, 9, 30)),
    # seed 001 timescales
    ("March 2016", D, date(2016, 3, 31)),
    ("July 2016", D, date(2016, 7, 31)),
    ("September 17", D, date(2017, 9, 30)),
    ("Savings felt by March 17", D, date(2017, 3, 31)),
    ("June 16", D, date(2016, 6, 30)),
    ("End of September 16", D, date(2016, 9, 30)),
    ("March 16 – completed", C, date(2016, 3, 31)),
    ("March 16 – threshold document reviewed and updated", D, date(2016, 3, 31)),
    ("End April 16 - completed", C, date(2016, 4, 30)),
    ("Full programme implement ation March 2018", D, date(2018, 3, 31)),
    ("July 16 September 16 September 17", M, date(2017, 9, 30)),
    ("June 17", D, date(2017, 6, 30)),
    ("March 2017", D, date(2017, 3, 31)),
    ("April 2016 – completed August 2016 review", C, date(2016, 4, 30)),
    ("June 2016 – review 6 months", D, date(2016, 6, 30)),
    ("Q1 2014/15", D, date(2014, 6, 30)),
    ("Q4 2014-15", D, date(2015, 3, 31)),
    ("Sept 2016", D, date(2016, 9, 30)),
    ("1st July 2015", D, date(2015, 7, 1)),
]


@pytest.mark.parametrize("text, kind, expected", CASES, ids=[c[0] for c in CASES])
def test_phrase(text, kind, expected):
    parsed = parse_date_text(text)
    assert (parsed.kind, parsed.date) == (kind, expected)


def test_milestones_keep_every_date_in_order():
    parsed = parse_date_text("End of May 16 September 16")
    assert parsed.dates == (date(2016, 5, 31), date(2016, 9, 30))


def test_start_and_deadline_in_one_cell():
    parsed = parse_date_text("June 16 Starting February 16 – every two months there after")
    assert (parsed.kind, parsed.date, parsed.start) == (D, date(2016, 6, 30), date(2016, 2, 1))


@pytest.mark.parametrize("text, expected", [
    ("<p>March 2020</p> <p>Jan 2021 onwards</p>", date(2020, 3, 31)),
    ("Starting new way of working September 16 Review June 16", date(2016, 6, 30)),
])
def test_mixed_cells_are_read_but_marked_ambiguous(text, expected):
    parsed = parse_date_text(text)
    assert parsed.kind is D and parsed.date == expected
    assert parsed.ambiguous and parsed.note


def test_week_commencing_needs_a_year():
    assert parse_date_text("W/C 17/10").kind is U
    parsed = parse_date_text("W/C 17/10", as_of=date(2016, 9, 1))
    assert (parsed.kind, parsed.date, parsed.ambiguous) == (D, date(2016, 10, 17), True)
    parsed = parse_date_text("W/C 17/10", as_of=date(2017, 1, 5))
    assert parsed.date == date(2016, 10, 17)          # nearer than 17/10/2017


@pytest.mark.parametrize("text, note", [
    ("31.2.16", "31 February 2016 is not a date"),
    ("12/31/2020", "month-first"),
    ("Now forms part of the review and redesign of Children's Services", "no date"),
    ("By", "no date"),
    ("TBC", "no date"),
    ("By end of Octobr 15", "no date"),
])
def test_unknown_with_a_reason(text, note):
    parsed = parse_date_text(text)
    assert parsed.kind is U and parsed.date is None
    assert note in parsed.note


def test_cells_that_are_not_text():
    assert parse_date_text(datetime(2020, 4, 1, 0, 0)).date == date(2020, 4, 1)
    assert parse_date_text(date(2021, 3, 31)).kind is D
    assert parse_date_text(42186).date == date(2015, 7, 1)       # Excel serial day number
    assert parse_date_text(None).kind is E
    assert parse_date_text("  ").kind is E


def test_calendar_helpers():
    assert month_end(2016, 2) == date(2016, 2, 29)
    assert month_end(2015, 2) == date(2015, 2, 28)
    assert [quarter_end(q, 2020) for q in (1, 2, 3, 4)] == [
        date(2020, 6, 30), date(2020, 9, 30), date(2020, 12, 31), date(2021, 3, 31)]
    assert financial_year(date(2015, 3, 31)) == "2014-15"
    assert financial_year(date(2015, 4, 1)) == "2015-16"
