"""Every date phrase of DOMAIN.md and of the seeds' deadline, timescale, start and end columns."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from ehxl.deadlines import DateKind, ParsedDate, financial_year, month_end, parse_date_text, quarter_end

D, O, C, M, U, E = (DateKind.DEADLINE, DateKind.ONGOING, DateKind.COMPLETED, DateKind.MILESTONES,
                    DateKind.UNKNOWN, DateKind.EMPTY)


def d(y: int, m: int, day: int) -> date:
    return date(y, m, day)


# text, kind, date that counts, start, every date in text order
DOMAIN_TABLE = [
    ("By 1.7.15.", D, d(2015, 7, 1), None, [d(2015, 7, 1)]),
    ("1.7.15", D, d(2015, 7, 1), None, [d(2015, 7, 1)]),
    ("31/3/2021", D, d(2021, 3, 31), None, [d(2021, 3, 31)]),
    ("1 st April 2020", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("From 1.4.15", O, d(2015, 4, 1), d(2015, 4, 1), [d(2015, 4, 1)]),
    ("1.4.17 Ongoing", O, d(2017, 4, 1), d(2017, 4, 1), [d(2017, 4, 1)]),
    ("Jan 2021 onwards", O, d(2021, 1, 1), d(2021, 1, 1), [d(2021, 1, 1)]),
    ("June 2016", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("March 17", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("End of May 16", D, d(2016, 5, 31), None, [d(2016, 5, 31)]),
    ("Jan 2022", D, d(2022, 1, 31), None, [d(2022, 1, 31)]),
    ("Beg April 16", D, d(2016, 4, 1), None, [d(2016, 4, 1)]),
    ("Q3 2020/21", D, d(2020, 12, 31), None, [d(2020, 12, 31)]),
    ("Completed Feb 16", C, d(2016, 2, 29), None, [d(2016, 2, 29)]),
    ("End of May 16 September 16", M, d(2016, 9, 30), None, [d(2016, 5, 31), d(2016, 9, 30)]),
    ("June 17 – 12 months", D, d(2017, 6, 30), None, [d(2017, 6, 30)]),
    ("Full programme implementation March 2018", D, d(2018, 3, 31), None, [d(2018, 3, 31)]),
]

SEED_CELLS = [
    # seeds 000 and 004, "By When"
    ("By 1.7.15.", D, d(2015, 7, 1), None, [d(2015, 7, 1)]),
    ("By 1.10.15.", D, d(2015, 10, 1), None, [d(2015, 10, 1)]),
    ("By 1.10.15", D, d(2015, 10, 1), None, [d(2015, 10, 1)]),
    ("From 1.4.15", O, d(2015, 4, 1), d(2015, 4, 1), [d(2015, 4, 1)]),
    ("From 1.4.15.", O, d(2015, 4, 1), d(2015, 4, 1), [d(2015, 4, 1)]),
    ("From 1.5.15.", O, d(2015, 5, 1), d(2015, 5, 1), [d(2015, 5, 1)]),
    ("From 1.5.15", O, d(2015, 5, 1), d(2015, 5, 1), [d(2015, 5, 1)]),
    ("By 30.11.15.", D, d(2015, 11, 30), None, [d(2015, 11, 30)]),
    ("By 1.8.15.", D, d(2015, 8, 1), None, [d(2015, 8, 1)]),
    ("By 1.4.15.", D, d(2015, 4, 1), None, [d(2015, 4, 1)]),
    ("By 1.6.16", D, d(2016, 6, 1), None, [d(2016, 6, 1)]),
    ("By 1.4.16.", D, d(2016, 4, 1), None, [d(2016, 4, 1)]),
    ("By 2.1.16.", D, d(2016, 1, 2), None, [d(2016, 1, 2)]),
    ("1.9.16.", D, d(2016, 9, 1), None, [d(2016, 9, 1)]),
    ("1.8.16", D, d(2016, 8, 1), None, [d(2016, 8, 1)]),
    ("1.12.16.", D, d(2016, 12, 1), None, [d(2016, 12, 1)]),
    ("1.6.16. 1.9.16.", M, d(2016, 9, 1), None, [d(2016, 6, 1), d(2016, 9, 1)]),
    ("1.4.17 Ongoing.", O, d(2017, 4, 1), d(2017, 4, 1), [d(2017, 4, 1)]),
    ("By 1.4.17.", D, d(2017, 4, 1), None, [d(2017, 4, 1)]),
    ("By 1.9.16.", D, d(2016, 9, 1), None, [d(2016, 9, 1)]),
    ("Audits every quarter until 1.4.17.", D, d(2017, 4, 1), None, [d(2017, 4, 1)]),
    ("From June 2016.", O, d(2016, 6, 1), d(2016, 6, 1), [d(2016, 6, 1)]),
    ("September 2016.", D, d(2016, 9, 30), None, [d(2016, 9, 30)]),
    ("December 2016", D, d(2016, 12, 31), None, [d(2016, 12, 31)]),
    ("November 2016", D, d(2016, 11, 30), None, [d(2016, 11, 30)]),
    ("May 2017.", D, d(2017, 5, 31), None, [d(2017, 5, 31)]),
    ("June 2016.", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("July 2016.", D, d(2016, 7, 31), None, [d(2016, 7, 31)]),
    ("November 2016 and February 2017.", M, d(2017, 2, 28), None, [d(2016, 11, 30), d(2017, 2, 28)]),
    # seed 003, start and end dates
    ("01/04/2020", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("31/3/2021", D, d(2021, 3, 31), None, [d(2021, 3, 31)]),
    ("1 st April 2020", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("31 st March 2021", D, d(2021, 3, 31), None, [d(2021, 3, 31)]),
    ("1 st April 2021", D, d(2021, 4, 1), None, [d(2021, 4, 1)]),
    ("30/06/2019", D, d(2019, 6, 30), None, [d(2019, 6, 30)]),
    ("30/09/2020", D, d(2020, 9, 30), None, [d(2020, 9, 30)]),
    ("31/03/2020", D, d(2020, 3, 31), None, [d(2020, 3, 31)]),
    ("March 2020", D, d(2020, 3, 31), None, [d(2020, 3, 31)]),
    ("Jan 2021 onwards", O, d(2021, 1, 1), d(2021, 1, 1), [d(2021, 1, 1)]),
    ("Oct 2020", D, d(2020, 10, 31), None, [d(2020, 10, 31)]),
    ("Jan 2021", D, d(2021, 1, 31), None, [d(2021, 1, 31)]),
    ("Feb 2021", D, d(2021, 2, 28), None, [d(2021, 2, 28)]),
    ("Jan 2022", D, d(2022, 1, 31), None, [d(2022, 1, 31)]),
    ("September 2020", D, d(2020, 9, 30), None, [d(2020, 9, 30)]),
    ("September 2021", D, d(2021, 9, 30), None, [d(2021, 9, 30)]),
    # seed 001, timescales
    ("June 2016", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("End of May 16 September 16", M, d(2016, 9, 30), None, [d(2016, 5, 31), d(2016, 9, 30)]),
    ("March 17", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("March 2016", D, d(2016, 3, 31), None, [d(2016, 3, 31)]),
    ("July 2016", D, d(2016, 7, 31), None, [d(2016, 7, 31)]),
    ("September 17", D, d(2017, 9, 30), None, [d(2017, 9, 30)]),
    ("Savings felt by March 17", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("June 16", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("June 16 Starting February 16 – every two months there after", D, d(2016, 6, 30), d(2016, 2, 1),
     [d(2016, 6, 30), d(2016, 2, 1)]),
    ("End of September 16", D, d(2016, 9, 30), None, [d(2016, 9, 30)]),
    ("Completed Feb 16", C, d(2016, 2, 29), None, [d(2016, 2, 29)]),
    ("March 16 – completed", C, d(2016, 3, 31), None, [d(2016, 3, 31)]),
    ("March 16 – threshold document reviewed and updated", D, d(2016, 3, 31), None, [d(2016, 3, 31)]),
    ("Beg April 16", D, d(2016, 4, 1), None, [d(2016, 4, 1)]),
    ("End April 16 - completed", C, d(2016, 4, 30), None, [d(2016, 4, 30)]),
    ("Full programme implement ation March 2018", D, d(2018, 3, 31), None, [d(2018, 3, 31)]),
    ("June 17 – 12 months", D, d(2017, 6, 30), None, [d(2017, 6, 30)]),
    ("July 16 September 16 September 17", M, d(2017, 9, 30), None,
     [d(2016, 7, 31), d(2016, 9, 30), d(2017, 9, 30)]),
    ("June 17", D, d(2017, 6, 30), None, [d(2017, 6, 30)]),
    ("March 2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("June 2016 – review 6 months", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    # quarters (seed 002 KPI headers)
    ("Q3 2020/21", D, d(2020, 12, 31), None, [d(2020, 12, 31)]),
    ("Q1 2014/15", D, d(2014, 6, 30), None, [d(2014, 6, 30)]),
]

MORE_FORMS = [
    ("Sept 2016", D, d(2016, 9, 30), None, [d(2016, 9, 30)]),
    ("Sept. 2016", D, d(2016, 9, 30), None, [d(2016, 9, 30)]),
    ("1st July 2015", D, d(2015, 7, 1), None, [d(2015, 7, 1)]),
    ("31st March 2021", D, d(2021, 3, 31), None, [d(2021, 3, 31)]),
    ("1st of April 2020", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("April 1st, 2020", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("01-Apr-20", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("Mar-17", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("1-4-16", D, d(2016, 4, 1), None, [d(2016, 4, 1)]),
    ("2020-04-01", D, d(2020, 4, 1), None, [d(2020, 4, 1)]),
    ("End April 16", D, d(2016, 4, 30), None, [d(2016, 4, 30)]),
    ("Beginning of May 2016", D, d(2016, 5, 1), None, [d(2016, 5, 1)]),
    ("Septem ber 2016", D, d(2016, 9, 30), None, [d(2016, 9, 30)]),
    ("Q3 2020-21", D, d(2020, 12, 31), None, [d(2020, 12, 31)]),
    ("Q4 2014-15", D, d(2015, 3, 31), None, [d(2015, 3, 31)]),
    ("Quarter 2 2015/16", D, d(2015, 9, 30), None, [d(2015, 9, 30)]),
    ("By end of 2015/16", D, d(2016, 3, 31), None, [d(2016, 3, 31)]),
    ("Until 31/03/2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("Deadline 30.6.16", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("Starting 1.9.16", O, d(2016, 9, 1), d(2016, 9, 1), [d(2016, 9, 1)]),
    ("Start April 2016", O, d(2016, 4, 1), d(2016, 4, 1), [d(2016, 4, 1)]),
    ("From April 2016 to March 2017", D, d(2017, 3, 31), d(2016, 4, 1), [d(2016, 4, 1), d(2017, 3, 31)]),
    ("April 2016 – March 2017", D, d(2017, 3, 31), d(2016, 4, 1), [d(2016, 4, 1), d(2017, 3, 31)]),
    ("Start date 1.4.16 End date 1.4.17", D, d(2017, 4, 1), d(2016, 4, 1), [d(2016, 4, 1), d(2017, 4, 1)]),
    ("1.4.15 onwards, by 1.4.16", D, d(2016, 4, 1), d(2015, 4, 1), [d(2015, 4, 1), d(2016, 4, 1)]),
    ("Start of May 16", D, d(2016, 5, 1), None, [d(2016, 5, 1)]),
    ("<p>1.4.17</p><p>Ongoing</p>", O, d(2017, 4, 1), d(2017, 4, 1), [d(2017, 4, 1)]),
    ("Week commencing 17th October 2016", D, d(2016, 10, 17), None, [d(2016, 10, 17)]),
    ("Feedback from families by March 2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("Ongoing", O, None, None, []),
    ("On-going", O, None, None, []),
    ("Complete", C, None, None, []),
    ("Completed", C, None, None, []),
    ("To be completed by March 2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
    ("Complete review of structure by June 16", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("Review June 16", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("<p>By 1.6.16</p>", D, d(2016, 6, 1), None, [d(2016, 6, 1)]),
    ("<ul><li>1.6.16</li><li>1.9.16</li></ul>", M, d(2016, 9, 1), None, [d(2016, 6, 1), d(2016, 9, 1)]),
    ("By<br/>1.4.17", D, d(2017, 4, 1), None, [d(2017, 4, 1)]),
    ("June\n2016", D, d(2016, 6, 30), None, [d(2016, 6, 30)]),
    ("March&nbsp;2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)]),
]

CASES = DOMAIN_TABLE + SEED_CELLS + MORE_FORMS


def _ids(cases):
    return [c[0].replace("\n", "\\n") for c in cases]


@pytest.mark.parametrize("text, kind, when, start, dates", CASES, ids=_ids(CASES))
def test_phrase(text, kind, when, start, dates):
    parsed = parse_date_text(text)
    assert (parsed.kind, parsed.date, parsed.start, parsed.dates) == (kind, when, start, tuple(dates))
    assert parsed.ambiguous is False and parsed.note == ""


def test_text_is_whitespace_normalised_with_tags_gone():
    assert parse_date_text("  By\n 1.7.15.  ").text == "By 1.7.15."
    assert parse_date_text("<p>March 2020</p> <p>Jan 2021 onwards</p>").text == "March 2020 Jan 2021 onwards"


# cells where ehxl has to choose: kind, date, start, every date, and a note that says what it chose
CHOICES = [
    ("<p>March 2020</p> <p>Jan 2021 onwards</p>", O, d(2021, 1, 1), d(2021, 1, 1),
     [d(2020, 3, 31), d(2021, 1, 1)], "ongoing from 01/01/2021"),
    ("Starting new way of working September 16 Review June 16", D, d(2016, 6, 30), d(2016, 9, 1),
     [d(2016, 9, 1), d(2016, 6, 30)], "uses the review date 30/06/2016 as the deadline"),
    ("April 2016 – completed August 2016 review", C, d(2016, 4, 30), None,
     [d(2016, 4, 30), d(2016, 8, 31)], "takes April 2016 (30/04/2016) as the completion date"),
    ("Mid May 16", D, d(2016, 5, 15), None, [d(2016, 5, 15)], "15/05/2016"),
    ("Early June 2016", D, d(2016, 6, 1), None, [d(2016, 6, 1)], "01/06/2016"),
    ("Ongoing – review March 2017", O, None, None, [d(2017, 3, 31)], "is not a deadline"),
    ("Jan 2021 onwards March 2022", D, d(2022, 3, 31), d(2021, 1, 1), [d(2021, 1, 1), d(2022, 3, 31)],
     "ongoing"),
    ("September 17 July 16", M, d(2017, 9, 30), None, [d(2017, 9, 30), d(2016, 7, 31)], "not in order"),
    ("By 1.6.16 and 31.2.16", D, d(2016, 6, 1), None, [d(2016, 6, 1)], "31 February 2016 is not a date"),
    ("Ongoing, by March 2017", D, d(2017, 3, 31), None, [d(2017, 3, 31)], "also says the work is ongoing"),
    ("Phase 1 completed March 2016; phase 2 ongoing", C, d(2016, 3, 31), None, [d(2016, 3, 31)],
     "also says the work is ongoing"),
    ("By 1.6.16 review 1.9.16", D, d(2016, 6, 1), None, [d(2016, 6, 1), d(2016, 9, 1)],
     "not the review date"),
]


@pytest.mark.parametrize("text, kind, when, start, dates, note", CHOICES, ids=[c[0] for c in CHOICES])
def test_choices_are_read_but_marked_ambiguous(text, kind, when, start, dates, note):
    parsed = parse_date_text(text)
    assert (parsed.kind, parsed.date, parsed.start, parsed.dates) == (kind, when, start, tuple(dates))
    assert parsed.ambiguous is True
    assert note in parsed.note


def test_week_commencing_without_an_as_of_date_is_unknown():
    parsed = parse_date_text("W/C 17/10")
    assert (parsed.kind, parsed.date, parsed.dates) == (U, None, ())
    assert parsed.note == '"W/C 17/10" has no year; write the year too'


@pytest.mark.parametrize("as_of, expected", [
    (d(2016, 9, 1), d(2016, 10, 17)),
    (d(2017, 1, 5), d(2016, 10, 17)),          # nearer than 17/10/2017
    (d(2017, 6, 30), d(2017, 10, 17)),
    (d(2020, 12, 1), d(2020, 10, 17)),
])
def test_week_commencing_takes_the_year_nearest_the_as_of_date(as_of, expected):
    parsed = parse_date_text("W/C 17/10 to discuss further.", as_of=as_of)
    assert (parsed.kind, parsed.date, parsed.dates, parsed.ambiguous) == (D, expected, (expected,), True)
    assert f"ehxl took {expected.year}" in parsed.note


def test_a_day_and_month_name_without_a_year_follows_the_same_rule():
    assert parse_date_text("By 17th October").kind is U
    parsed = parse_date_text("By 17th October", as_of=d(2016, 9, 1))
    assert (parsed.kind, parsed.date, parsed.ambiguous) == (D, d(2016, 10, 17), True)


def test_a_full_date_after_week_commencing_needs_no_as_of_date():
    parsed = parse_date_text("W/C 17/10/16")
    assert (parsed.kind, parsed.date, parsed.ambiguous) == (D, d(2016, 10, 17), False)


@pytest.mark.parametrize("text, note", [
    ("31.2.16", "31 February 2016 is not a date"),
    ("31/13/2020", '"31/13/2020" is not a date (there is no month 13)'),
    ("12/31/2020", '"12/31/2020" looks month-first (US style); write the day first, as 31/12/2020'),
    ("31/12/213", '"31/12/213" is not a date (the year 213 is not complete)'),
    ("Q3 2020", '"Q3 2020" does not say which financial year; write it as Q3 2020/21'),
    ("Q3 2020/22", '"Q3 2020/22" is not a date (2020/22 is not a financial year)'),
    ("June 6", '"June 6" is not a date (is 6 a day or a year? write 6 June 2016 or June 2016)'),
    ("Now forms part of the review and redesign of Children's Services", "no date found"),
    ("By", "no date found"),
    ("TBC", "no date found: it is still to be confirmed"),
    ("By end of Octobr 15", 'no date found: is "Octobr" a misspelt month (October)?'),
    ("Summer term 2016", 'no date found: "Summer term 2016" is a season; write a month such as March 2016'),
    ("By October", 'no date found: "October" has no year'),
    ("During 2016", "no date found: only a year (2016) is given; write a month or a day"),
])
def test_unknown_with_a_reason(text, note):
    parsed = parse_date_text(text)
    assert (parsed.kind, parsed.date, parsed.start, parsed.dates) == (U, None, None, ())
    assert parsed.note == note


def test_real_date_cells_are_deadlines():
    assert parse_date_text(datetime(2020, 4, 1, 0, 0)) == ParsedDate(D, d(2020, 4, 1), None, (d(2020, 4, 1),),
                                                                      "2020-04-01")
    assert parse_date_text(date(2021, 3, 31)) == ParsedDate(D, d(2021, 3, 31), None, (d(2021, 3, 31),),
                                                             "2021-03-31")


@pytest.mark.parametrize("serial, expected", [
    (42186, d(2015, 7, 1)),
    (42186.75, d(2015, 7, 1)),                 # a time of day does not move the date
    (1, d(1900, 1, 1)),
    (59, d(1900, 2, 28)),
    (61, d(1900, 3, 1)),                       # Excel counts a 29 February 1900 that never was
    (2958465, d(9999, 12, 31)),
])
def test_excel_serial_day_numbers(serial, expected):
    parsed = parse_date_text(serial)
    assert (parsed.kind, parsed.date, parsed.dates) == (D, expected, (expected,))


@pytest.mark.parametrize("value", [0, -5, 2958466, 60, True])
def test_numbers_that_are_not_excel_dates(value):
    parsed = parse_date_text(value)
    assert parsed.kind is U and parsed.date is None and parsed.note


@pytest.mark.parametrize("value", [None, "", "   ", "<p></p>", "&nbsp;", float("nan")])
def test_empty_cells(value):
    assert parse_date_text(value) == ParsedDate(E, None, None, (), "")


def test_month_end():
    assert month_end(2016, 2) == d(2016, 2, 29)
    assert month_end(2015, 2) == d(2015, 2, 28)
    assert month_end(2000, 2) == d(2000, 2, 29)
    assert month_end(2020, 4) == d(2020, 4, 30)
    assert month_end(2020, 12) == d(2020, 12, 31)


@pytest.mark.parametrize("quarter, expected", [
    (1, d(2020, 6, 30)), (2, d(2020, 9, 30)), (3, d(2020, 12, 31)), (4, d(2021, 3, 31))])
def test_quarter_end(quarter, expected):
    assert quarter_end(quarter, 2020) == expected


def test_there_is_no_fifth_quarter():
    with pytest.raises(ValueError):
        quarter_end(5, 2020)


@pytest.mark.parametrize("day, expected", [
    (d(2015, 3, 31), "2014-15"), (d(2015, 4, 1), "2015-16"), (d(2016, 1, 1), "2015-16"),
    (d(1999, 12, 31), "1999-00")])
def test_financial_year(day, expected):
    assert financial_year(day) == expected
