"""Who owns an action, as staff write it in a "By Whom" / "Lead" / "Responsible Officer" cell.

Owner cells hold a person and role ("Louison Ricketts – Service Manager"), a team
("Early Help management team."), initials ("RP"), several owners at once ("VW/RP",
"Fran Doyle & Nancy Meehan", "... and Child Protection Managers.") and sometimes
prose that names no owner at all.  :func:`split_owners` takes a cell apart,
:func:`looks_like_owner` spots the prose, and an :class:`OwnerRegister` (names,
initials, roles, e-mail) lets each part be checked with :func:`resolve`.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping


@dataclass(frozen=True)
class Owner:
    name: str
    initials: str | None = None
    role: str | None = None
    email: str | None = None


_UNIFY = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00a0": " ",
})
_TRAILING = " .,;:!?'\""
_LEADING = " \u2022\u00b7*-"


def normalise(text: str) -> str:
    """Text reduced for comparison: lower case, one space, plain dashes and quotes, no trailing punctuation."""
    text = " ".join(str(text).translate(_UNIFY).split()).lower()
    return text.strip(_TRAILING).lstrip(_LEADING).strip(_TRAILING)


# --- taking a cell apart ------------------------------------------------------

_BREAK_TAGS = re.compile(r"<\s*(?:br|/?p|/?li|/?ul|/?ol|/?div)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]+>")
_OPEN, _CLOSE = "([{", ")]}"
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "rev", "cllr", "prof", "inc", "no"}
#: Where html.unescape could change a text: "&" then what may begin an entity ("SW & CS" has none).
_ENTITY = re.compile(r"&[^\t\n\f <&;]")
_PLACEHOLDER_SLASH = re.compile(r"\b(n)/(a)\b", re.IGNORECASE)


def _plain(text: str) -> str:
    """Cell text with HTML fragments turned into line breaks and plain characters."""
    text = _BREAK_TAGS.sub("\n", text)
    text = _ANY_TAG.sub(" ", text)
    if "&" not in text or not _ENTITY.search(text):    # html and its table of entities load only for an entity
        return text
    from html import unescape

    return unescape(text)


def _sentence_end(text: str, i: int) -> bool:
    """A full stop at ``i`` ending one owner before the next ("Early Help HOS'. IT teams")."""
    if text[i] != "." or not text[i + 1:i + 2].isspace():
        return False
    following = text[i + 1:].lstrip()
    if not following[:1].isupper():
        return False
    word = re.search(r"([A-Za-z'\u2019]+)$", text[:i])
    return bool(word) and len(word.group(1).strip("'\u2019")) >= 3 and word.group(1).lower() not in _ABBREVIATIONS


#: Words that end the name of one group: "Performance and Information Team" is one owner, not two.
_GROUP_NOUNS = {"team", "teams", "board", "boards", "service", "services", "group", "groups", "panel", "unit",
                "partnership", "directorate", "department", "division", "section", "hub", "forum", "network",
                "committee", "manager", "managers", "officer", "officers", "lead", "leads"}
_NEXT_OWNER = re.compile(r"[/,;&+\n\r]| and ", re.I)


def _inside_a_name(text: str, i: int, left: str) -> bool:
    """Whether the " and " at ``i`` joins words of one group's name ("Performance and Data Team").

    Such names have one word before the "and" and end in a group noun; two
    owners have a name or initials before it ("RP and SW", "Fran Doyle and ...").
    """
    before = left.split()
    if len(before) != 1 or before[0].isupper():
        return False
    after = _NEXT_OWNER.split(text[i + 5:], maxsplit=1)[0].split()
    return bool(after) and after[-1].strip(".,;:()").lower() in _GROUP_NOUNS


def _separator_at(text: str, i: int, left: str) -> int:
    """Length of the separator between two owners that starts at ``i`` (0 if none); ``left`` is the owner so far."""
    if text[i] in "/,;&+\n\r":
        return 1
    if text[i:i + 5].lower() == " and ":
        return 0 if _inside_a_name(text, i, left) else 5
    return 1 if _sentence_end(text, i) else 0


def split_owners(text: str) -> list[str]:
    return list(_split_owners(text))


@lru_cache(maxsize=8192)
def _split_owners(text: str) -> tuple[str, ...]:
    """The separate owners in one cell, split on / , ; & + new lines, " and " and full stops between owners.

    An " and " inside a group's name ("Performance and Data Team") is not a
    split.  Nothing inside brackets is split, so "(within Early Intervention
    and Integrated safeguarding, EIIS)" stays with the owner it describes.
    "N/A" stays whole, and parts with no letters or digits ("--") are dropped.
    """
    if not isinstance(text, str):
        return ()
    text = _PLACEHOLDER_SLASH.sub("\\1\x00\\2", _plain(text))
    parts, current, depth, i = [], [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        step = _separator_at(text, i, "".join(current)) if depth == 0 else 0
        if step:
            parts.append("".join(current))
            current, i = [], i + step
        else:
            current.append(ch)
            i += 1
    parts.append("".join(current))
    cleaned = (" ".join(p.replace("\x00", "/").split()).strip(" .,;:").lstrip(_LEADING) for p in parts)
    return tuple(p for p in cleaned if any(c.isalnum() for c in p))


_DASH = "[-\u2010-\u2015\u2212]"
_ROLE_SUFFIX = re.compile(rf"\s+{_DASH}\s*|\s*{_DASH}\s+|\s*\(")


@lru_cache(maxsize=8192)
def person_part(token: str) -> str:
    """The person in "Name – Role" or "Name (Team)": "Andrew Brunt - LODS" -> "Andrew Brunt"."""
    text = " ".join(str(token).split())
    head = _ROLE_SUFFIX.split(text, maxsplit=1)[0]
    return head.strip(" .,;:") or text.strip(" .,;:")


# --- is it an owner at all ----------------------------------------------------

_PLACEHOLDERS = {"n/a", "na", "tbc", "tba", "tbd", "none", "nil", "unknown", "various", "all"}
_ACTION_VERBS = {
    "impact", "ensure", "monitor", "measure", "develop", "deliver", "implement", "undertake",
    "establish", "agree", "provide", "continue", "identify", "update", "create", "produce",
    "complete", "completed", "awaiting", "ongoing", "see", "to", "this", "it", "there",
}
_PROSE = re.compile(r"\bto (?:\w+ )?be\b|\b(?:will|shall|should|must|would|could|is being|are being|has been|have been)\b")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE_LIKE = re.compile(
    rf"^(?:(?:by|from|end of|beg(?:inning)?(?: of)?|w/c)\s+)?(?:{_MONTHS}\.?\s+\d|\d{{1,2}}\s*[./]\s*\d)"
    r"|^[\d\s/.\-:%]+$"
)
MAX_OWNER_WORDS = 12


def _words_outside_brackets(text: str) -> int:
    return len(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text).split())


@lru_cache(maxsize=8192)
def looks_like_owner(text: str) -> bool:
    """False for text in an owner column that names no owner: prose, dates, placeholders.

    Prose is recognised by a leading action verb ("Impact to be measured ..."), a
    passive or future ("to be", "will"), or a part longer than 12 words outside
    brackets.  Names, initials, roles and teams ("DSCB.", "RP") pass.
    """
    if not isinstance(text, str):
        return False
    flat = normalise(_plain(text))
    if not flat or not any(c.isalpha() for c in flat) or flat in _PLACEHOLDERS:
        return False
    if _DATE_LIKE.search(flat) or _PROSE.search(flat):
        return False
    if flat.split()[0].strip(",:;") in _ACTION_VERBS:
        return False
    parts = split_owners(text)
    return bool(parts) and all(_words_outside_brackets(p) <= MAX_OWNER_WORDS for p in parts)


# --- the register -------------------------------------------------------------

_HEADERS = {
    "name": ("name", "full name", "owner", "owner name", "staff name", "officer", "person"),
    "initials": ("initials", "initial"),
    "role": ("role", "job title", "position", "post"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
}


def _header_key(header: object) -> str | None:
    if not isinstance(header, str):
        return None
    flat = normalise(header)
    return next((field for field, names in _HEADERS.items() if flat in names), None)


def _initials_key(text: str) -> str | None:
    """'R.P.' / 'r p' / 'RP' -> 'rp'; None unless the text is just a few letters."""
    key = re.sub(r"[.\s]", "", normalise(text))
    return key if key.isalpha() and len(key) <= 5 else None


_NON_WORD = re.compile(r"[^\w'-]+")


def _words(text: str) -> str:
    """Text as space-separated words with a space at each end, for whole-word containment."""
    return " " + " ".join(_NON_WORD.sub(" ", normalise(text)).split()) + " "


def _cell(value: object) -> str | None:
    text = "" if value is None else " ".join(str(value).split())
    return text or None


def _index(by: dict[str, Owner], key: str | None, owner: Owner) -> None:
    if key:
        by.setdefault(key, owner)


class OwnerRegister:
    """The people (and roles) who may own actions, looked up the ways staff write them.

    When two owners share a name, initials, role or e-mail the first one listed wins.
    """

    def __init__(self, owners: Iterable[Owner]):
        self._owners = list(owners)

    # The lookups are made when first asked for: a team's Owners sheet is often read only for its people (the
    # register of a board pack is every team's), and a register is sent to other processes without them.

    @cached_property
    def _by(self) -> dict[str, dict[str, Owner]]:
        by: dict[str, dict[str, Owner]] = {k: {} for k in ("name", "initials", "email", "role")}
        for owner in self._owners:
            _index(by["name"], normalise(owner.name), owner)
            if owner.initials:
                _index(by["initials"], _initials_key(owner.initials), owner)
            if owner.email:
                _index(by["email"], normalise(owner.email), owner)
            if owner.role:
                _index(by["role"], normalise(owner.role), owner)
        return by

    @cached_property
    def _full_names(self) -> dict[str, list[tuple[int, Owner]]]:
        """Full names of two words or more, by their words, for names_in: a cell's runs of words are looked up."""
        full: dict[str, list[tuple[int, Owner]]] = {}
        for order, (key, owner) in enumerate(self._by["name"].items()):
            words = _words(key).split()
            if len(key.split()) >= 2 and words:
                full.setdefault(" ".join(words), []).append((order, owner))
        return full

    @cached_property
    def _name_lengths(self) -> list[int]:
        return sorted({name.count(" ") + 1 for name in self._full_names})

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]], *, source: str = "Owners") -> "OwnerRegister":
        """A register from table rows keyed by header text (Name required; Initials, Role, Email optional)."""
        rows = list(rows)
        columns: dict[str, str] = {}
        for header in dict.fromkeys(h for row in rows for h in row):    # each row of a sheet repeats its headers
            field = _header_key(header)
            if field and field not in columns:
                columns[field] = header  # type: ignore[assignment]
        if rows and "name" not in columns:
            found = ", ".join(str(h) for h in dict.fromkeys(h for r in rows for h in r if h)) or "none"
            raise ValueError(f"{source} has no Name column (headers found: {found})")
        owners = []
        for row in rows:
            values = {field: _cell(row.get(header)) for field, header in columns.items()}
            if values.get("name"):
                owners.append(Owner(values["name"], values.get("initials"),
                                    values.get("role"), values.get("email")))
        return cls(owners)

    def _lookup(self, token: str) -> tuple[Owner, str] | None:
        """The owner a token names and how it was matched ('name', 'initials', 'email' or 'role')."""
        for text in dict.fromkeys((token, person_part(token))):
            key = normalise(text)
            for kind in ("name", "email"):
                if key in self._by[kind]:
                    return self._by[kind][key], kind
            initials = _initials_key(text)
            if initials and initials in self._by["initials"]:
                return self._by["initials"][initials], "initials"
            if key in self._by["role"]:
                return self._by["role"][key], "role"
        return None

    def match(self, token: str) -> Owner | None:
        """The owner a token names, by name, initials, e-mail or role, ignoring case, spacing and punctuation."""
        hit = self._lookup(token)
        return hit[0] if hit else None

    def names_in(self, text: str) -> list[Owner]:
        """Owners whose full name (two words or more) appears whole inside longer text ("Include Shoayb Khalid")."""
        words = _words(text).split()
        found: dict[int, Owner] = {}
        for length in self._name_lengths:
            for i in range(len(words) - length + 1):
                for order, owner in self._full_names.get(" ".join(words[i:i + length]), ()):
                    found[order] = owner
        return [found[order] for order in sorted(found)]

    def __len__(self) -> int:
        return len(self._owners)

    def __iter__(self) -> Iterator[Owner]:
        return iter(self._owners)


def resolve(text: str, register: OwnerRegister | None) -> tuple[list[str], list[str]]:
    """(owners found, tokens not in the register) for one owner cell.

    A token matched by name, initials or e-mail is reported by the register's name
    for that person; one matched by role (a role may be shared) as written.  Names
    from the register found inside a longer token count too, so "Louison Ricketts –
    Service Manager Stuart Hunter – Perf Manager" finds both people.  Without a
    register every token counts as found.  Whether the cell is an owner at all is
    :func:`looks_like_owner`'s question, asked by the caller first.
    """
    tokens = split_owners(text)
    if register is None:
        return list(dict.fromkeys(tokens)), []
    found: list[str] = []
    unknown: list[str] = []
    for token in tokens:
        names: list[str] = []
        hit = register._lookup(token)
        if hit:
            names.append(hit[0].name if hit[1] != "role" else token)
        names.extend(owner.name for owner in register.names_in(token))
        if names:
            found.extend(n for n in names if n not in found)
        else:
            unknown.append(token)
    return found, unknown
