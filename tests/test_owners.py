"""Owner cells: splitting, spotting prose, and checking against an owner register."""
from __future__ import annotations

import re

import pytest

from ehxl.owners import (
    Owner,
    OwnerRegister,
    looks_like_owner,
    normalise,
    person_part,
    resolve,
    split_owners,
)

NOT_AN_OWNER = "Impact to be measured by on-going case audit co-ordinated by the Children's Service's QA Team."


# --- normalise ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("  Early Help   management team. ", "early help management team"),
    ("DSCB.", "dscb"),
    ("Louison Ricketts \u2013 Service Manager", "louison ricketts - service manager"),
    ("Children\u2019s Centre Team Managers", "children's centre team managers"),
    ("Early Help HOS'.", "early help hos"),
    ("RP;", "rp"),
    ("Line\none", "line one"),
    ("\u2022 RP", "rp"),
    ("\u201cQA Team\u201d", "qa team"),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- split_owners ----------------------------------------------------------------------

@pytest.mark.parametrize("cell, expected", [
    ("RP", ["RP"]),
    ("VW/RP", ["VW", "RP"]),
    ("NH/SW/RP", ["NH", "SW", "RP"]),
    ("MACH Manager/ EHC/SE/RP", ["MACH Manager", "EHC", "SE", "RP"]),
    ("RP/Prevention team leads/CS", ["RP", "Prevention team leads", "CS"]),
    ("RP/EH Coordinators/June Craven/Kate Dawson", ["RP", "EH Coordinators", "June Craven", "Kate Dawson"]),
    ("Fran Doyle & Nancy Meehan", ["Fran Doyle", "Nancy Meehan"]),
    ("Terri Cartwright & Cat Parker", ["Terri Cartwright", "Cat Parker"]),
    ("Nancy Meehan and Fran Doyle", ["Nancy Meehan", "Fran Doyle"]),
    ("Early Help management team and Child Protection Managers.",
     ["Early Help management team", "Child Protection Managers"]),
    ("Heads of Service in Early Help and Deputy Heads of Service in Social Care "
     "(within Early Intervention and Integrated safeguarding, EIIS).",
     ["Heads of Service in Early Help",
      "Deputy Heads of Service in Social Care (within Early Intervention and Integrated safeguarding, EIIS)"]),
    ("Early Help Heads of Service, Public Health, Adult Education and Early Years Education partners.",
     ["Early Help Heads of Service", "Public Health", "Adult Education", "Early Years Education partners"]),
    ("Early Help management team.", ["Early Help management team"]),
    ("DSCB.", ["DSCB"]),
    ("Louison Ricketts \u2013 Service Manager", ["Louison Ricketts \u2013 Service Manager"]),
    ("RP; SW", ["RP", "SW"]),
    ("RP\nSW\n", ["RP", "SW"]),
    ("RP + SW", ["RP", "SW"]),
    ("Team Managers AND Heads of Service", ["Team Managers", "Heads of Service"]),
    ("Fran Doyle &amp; Nancy Meehan", ["Fran Doyle", "Nancy Meehan"]),
    ("Early Help HOS'. Children's Commissioning Service.", ["Early Help HOS'", "Children's Commissioning Service"]),
    ("Workforce Development Team. Early Help practitioners.", ["Workforce Development Team", "Early Help practitioners"]),
    ("A. Kaiser", ["A. Kaiser"]),
    ("Mr. Smith and Dr. Jones", ["Mr. Smith", "Dr. Jones"]),
    ("Sandra (Brand/Comms lead)", ["Sandra (Brand/Comms lead)"]),
    ("N/A", ["N/A"]),
    ("--", []),
    ("", []),
    ("Anderson Team", ["Anderson Team"]),
    # seed 000: "Data is being collected by Performance and Data Team": one team, not two owners
    ("Performance and Data Team", ["Performance and Data Team"]),
    ("Performance and Information Team and DSCB", ["Performance and Information Team", "DSCB"]),
    ("Health and Wellbeing Board.", ["Health and Wellbeing Board"]),
    ("Safeguarding and Quality Assurance Manager", ["Safeguarding and Quality Assurance Manager"]),
    ("RP and SW", ["RP", "SW"]),
    ("Early Help management team and Children's Services Performance Team.",
     ["Early Help management team", "Children's Services Performance Team"]),
])
def test_split_owners(cell, expected):
    assert split_owners(cell) == expected


def test_split_owners_strips_html():
    cell = ("<p>Early Help Team Managers.</p> <p>Children's Performance Team.</p> "
            "<p>Senior managers across CYPD.</p>")
    assert split_owners(cell) == ["Early Help Team Managers", "Children's Performance Team", "Senior managers across CYPD"]
    assert split_owners("RP<br>SW<br/>VW") == ["RP", "SW", "VW"]
    assert split_owners("<ul><li>RP</li><li>NH</li></ul>") == ["RP", "NH"]


def test_split_owners_non_text():
    assert split_owners(None) == []  # type: ignore[arg-type]
    assert split_owners(42) == []  # type: ignore[arg-type]


# --- person_part -------------------------------------------------------------------------

@pytest.mark.parametrize("token, expected", [
    ("Louison Ricketts \u2013 Service Manager", "Louison Ricketts"),
    ("Angela Harley \u2013 Service Manager", "Angela Harley"),
    ("Andrew Brunt - LODS", "Andrew Brunt"),
    ("Louison Ricketts\u2013 Service Manager", "Louison Ricketts"),
    ("Fran Doyle \u2013 supported by the Early Help Board", "Fran Doyle"),
    ("Andrew Brunt (LODS)", "Andrew Brunt"),
    ("Sarah Smith-Jones", "Sarah Smith-Jones"),
    ("RP", "RP"),
    (" DSCB. ", "DSCB"),
])
def test_person_part(token, expected):
    assert person_part(token) == expected


# --- looks_like_owner ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "RP", "VW/RP", "NH/SW/RP", "MACH Manager/ EHC/SE/RP", "DSCB.", "Early Help management team.",
    "Louison Ricketts \u2013 Service Manager", "Fran Doyle & Nancy Meehan",
    "Early Help management team and Child Protection Managers.",
    "Heads of Service in Early Help and Deputy Heads of Service in Social Care "
    "(within Early Intervention and Integrated safeguarding, EIIS).",
    "Early Help Heads of Service, Public Health, Adult Education and Early Years Education partners.",
    "Early Help Head of Service with strategic lead for centres.",
    "Children's Service's QA Team and Service Director for EIIS.",
    "Youth Offending Service Deputy Head of Service.",
    "Early Help HOS'.",
    "Include Shoayb Khalid",
    "Audit Team",
    "Monitoring Officer",
])
def test_owners_look_like_owners(text):
    assert looks_like_owner(text) is True


@pytest.mark.parametrize("text", [
    NOT_AN_OWNER,
    "Children's Services Performance Data Team will provide the data to the Early Intervention and Integrated "
    "Safeguarding Service Heads of Service meeting and DSCB QA sub group members on a quarterly basis.",
    "Audit tool to still be developed by MACH Manager",
    "Ensure all staff attend training",
    "Monitor the feedback from attendees to identify any issues",
    "July 2016", "June 17 \u2013 12 months", "By 1.7.15", "31/3/2021", "66%",
    "N/A", "TBC", "--", "", "   ",
    "Every practitioner across the partnership who works with families in the city at any level of need",
])
def test_not_owners(text):
    assert looks_like_owner(text) is False


def test_looks_like_owner_non_text():
    assert looks_like_owner(None) is False  # type: ignore[arg-type]


# --- the register ------------------------------------------------------------------------

@pytest.fixture
def register() -> OwnerRegister:
    return OwnerRegister([
        Owner("Rachel Price", "RP", "Prevention Manager", "rachel.price@council.gov.uk"),
        Owner("Vicky Watts", "V.W.", None, "Vicky.Watts@council.gov.uk"),
        Owner("Louison Ricketts", None, "Service Manager"),
        Owner("Stuart Hunter", "SH", "Perf Manager"),
        Owner("Fran Doyle", "FD"),
        Owner("Nancy Meehan", "NM"),
        Owner("Early Help management team"),
        Owner("Shoayb Khalid", "SK"),
        Owner("Angela Harley", "AH", "Service Manager"),
    ])


def test_register_size_and_order(register):
    assert len(register) == 9
    assert [o.name for o in register][:3] == ["Rachel Price", "Vicky Watts", "Louison Ricketts"]


@pytest.mark.parametrize("token, name", [
    ("RP", "Rachel Price"),
    ("rp", "Rachel Price"),
    ("R.P.", "Rachel Price"),
    (" R P ", "Rachel Price"),
    ("RP.", "Rachel Price"),
    ("VW", "Vicky Watts"),                        # register wrote V.W.
    ("rachel price", "Rachel Price"),
    ("Rachel  Price.", "Rachel Price"),
    ("RACHEL PRICE", "Rachel Price"),
    ("rachel.price@council.gov.uk", "Rachel Price"),
    ("vicky.watts@COUNCIL.gov.uk", "Vicky Watts"),
    ("Louison Ricketts \u2013 Service Manager", "Louison Ricketts"),
    ("Louison Ricketts\u2013Service Manager", None),  # no space at the dash: not a role suffix
    ("Andrew Brunt - LODS", None),
    ("Prevention Manager", "Rachel Price"),       # by role
    ("prevention manager.", "Rachel Price"),
    ("Service Manager", "Louison Ricketts"),      # shared role: first listed
    ("Early Help management team.", "Early Help management team"),
    ("early help  Management Team", "Early Help management team"),
    ("RPX", None),                                # initials only whole
    ("XRP", None),
    ("R", None),
    ("ZZ", None),                                 # unknown initials
    ("Rachel", None),
    ("", None),
])
def test_match(register, token, name):
    owner = register.match(token)
    assert (owner.name if owner else None) == name


def test_match_returns_the_owner_record(register):
    assert register.match("SH") == Owner("Stuart Hunter", "SH", "Perf Manager")


def test_names_in_longer_text(register):
    assert [o.name for o in register.names_in("Include Shoayb Khalid")] == ["Shoayb Khalid"]
    assert [o.name for o in register.names_in(
        "Louison Ricketts \u2013 Service Manager Stuart Hunter \u2013 Perf Manager")] == ["Louison Ricketts", "Stuart Hunter"]
    assert register.names_in("Fran Doylestown") == []
    assert register.names_in("RP") == []


def test_names_in_finds_whole_names_anywhere_in_register_order():
    """names_in looks a cell's runs of words up; checked against the plain definition (each full name's words,
    space-padded, inside the cell's, space-padded) on names of two to four words, shared words, punctuation,
    a name given twice and names listed twice, in random cells."""
    import random

    rng = random.Random(13)
    words = ["ann", "lee", "o'neil", "smith-jones", "kay", "de", "la", "cruz", "team", "manager"]
    names = [" ".join(rng.choice(words).title() for _ in range(rng.randint(1, 4))) for _ in range(40)]
    names += ["Ann Lee", "ann  lee.", "De La Cruz", "Kay O\u2019Neil"]
    register = OwnerRegister(Owner(n) for n in names)

    def plain(text: str) -> list[str]:
        flat = " " + " ".join(re.sub(r"[^\w'-]+", " ", normalise(text)).split()) + " "
        seen = {}
        for owner in register:
            key = normalise(owner.name)
            whole = " " + " ".join(re.sub(r"[^\w'-]+", " ", normalise(key)).split()) + " "
            if len(key.split()) >= 2 and whole.strip() and whole in flat and key not in seen:
                seen[key] = owner.name
        return list(seen.values())

    cells = ["Include Ann Lee and De la Cruz", "ANN LEE, ann lee", "Kay O'Neil \u2013 Manager", "lee ann", ""]
    cells += [", ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(300)]
    for cell in cells:
        assert [o.name for o in register.names_in(cell)] == plain(cell), cell
    assert [o.name for o in register.names_in("Include Ann Lee and De la Cruz")] == ["Ann Lee", "De La Cruz"]


def test_from_rows_reads_headers_loosely():
    rows = [
        {"Full  name": "Rachel Price", "INITIALS": "RP", "Job title": "Prevention Manager", "E-mail": "rp@x.gov.uk",
         "Notes": "ignored"},
        {"Full  name": "Vicky Watts", "INITIALS": "VW", "Job title": None, "E-mail": ""},
        {"Full  name": "  ", "INITIALS": "ZZ"},            # blank name: skipped
        {"Full  name": None},
    ]
    reg = OwnerRegister.from_rows(rows)
    assert list(reg) == [
        Owner("Rachel Price", "RP", "Prevention Manager", "rp@x.gov.uk"),
        Owner("Vicky Watts", "VW", None, None),
    ]


@pytest.mark.parametrize("headers", [
    ("name", "role", "email"),
    ("Name:", "Role", "Email address"),
    (" NAME ", "Position", "e-mail address"),
])
def test_from_rows_header_synonyms(headers):
    name, role, email = headers
    reg = OwnerRegister.from_rows([{name: "Fran Doyle", role: "Head of Service", email: "fd@x.gov.uk"}])
    assert list(reg) == [Owner("Fran Doyle", None, "Head of Service", "fd@x.gov.uk")]


def test_from_rows_without_a_name_column_is_refused():
    with pytest.raises(ValueError, match="Staff list has no Name column") as exc:
        OwnerRegister.from_rows([{"Initials": "RP", "Role": "Manager"}], source="Staff list")
    assert "Initials" in str(exc.value)
    with pytest.raises(ValueError, match="Owners has no Name column"):
        OwnerRegister.from_rows([{"Initials": "RP"}])


def test_from_rows_empty():
    assert len(OwnerRegister.from_rows([])) == 0


# --- resolve --------------------------------------------------------------------------------

def test_resolve_without_register_counts_every_token():
    assert resolve("MACH Manager/ EHC/SE/RP", None) == (["MACH Manager", "EHC", "SE", "RP"], [])
    assert resolve("VW/RP/VW", None) == (["VW", "RP"], [])
    assert resolve("", None) == ([], [])


@pytest.mark.parametrize("cell, found, unknown", [
    ("VW/RP", ["Vicky Watts", "Rachel Price"], []),
    ("NH/SW/RP", ["Rachel Price"], ["NH", "SW"]),
    ("MACH Manager/ EHC/SE/RP", ["Rachel Price"], ["MACH Manager", "EHC", "SE"]),
    ("Fran Doyle & Nancy Meehan", ["Fran Doyle", "Nancy Meehan"], []),
    ("Nancy Meehan and Fran Doyle", ["Nancy Meehan", "Fran Doyle"], []),
    ("Early Help management team and Child Protection Managers.",
     ["Early Help management team"], ["Child Protection Managers"]),
    ("Louison Ricketts \u2013 Service Manager", ["Louison Ricketts"], []),
    ("Louison Ricketts \u2013 Service Manager Stuart Hunter \u2013 Perf Manager",
     ["Louison Ricketts", "Stuart Hunter"], []),
    ("Include Shoayb Khalid", ["Shoayb Khalid"], []),
    ("Service Manager/RP", ["Service Manager", "Rachel Price"], []),   # role kept as written
    ("RP/rp/R.P.", ["Rachel Price"], []),
    ("RPX", [], ["RPX"]),
])
def test_resolve_with_register(register, cell, found, unknown):
    assert resolve(cell, register) == (found, unknown)


def test_the_not_an_owner_sentence(register):
    assert looks_like_owner(NOT_AN_OWNER) is False
    assert resolve(NOT_AN_OWNER, register) == ([], [NOT_AN_OWNER.rstrip(".")])


def test_entities_are_read_wherever_html_would_read_them_and_nowhere_else():
    """The check that spares loading html ("SW & CS" has no entity) agrees with html.unescape itself."""
    import html
    import random

    from ehxl import deadlines, owners

    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice("&#;amp x1\tAB<") for _ in range(rng.randint(0, 9)))
        for pattern in (owners._ENTITY, deadlines._ENTITY):
            assert (pattern.search(text) is not None) or html.unescape(text) == text, text
    assert owners._plain("SW &amp CS") == owners._plain("SW &amp; CS") == "SW & CS"
    assert owners._plain("SW & CS") == "SW & CS"
