"""Red/Amber/Green status: the colour a person sees in a cell, and what it means.

Staff mark progress with a fill colour, a word, or both, and Excel stores a fill
as plain RGB, as a theme colour with a tint, or as a legacy indexed colour.  This
module turns whichever was written into the ``RRGGBB`` Excel shows
(:func:`resolve_colour`), sorts that into one of :data:`COLOURS` by what a person
sees (:func:`classify_rgb`), and reads the meaning through a :class:`Legend` that a
legend under the table (``"Green – Complete"``) or configuration can override.

Classification thresholds (hue in degrees, HSL lightness ``L`` and saturation ``S``
in 0-1, chroma ``C`` = max - min channel, value ``V`` = max channel, both 0-1):

* ``C < 0.06`` or ``S < 0.25`` is achromatic: ``L >= 0.96`` white (``None``),
  ``L < 0.2`` black (``None``), otherwise **grey**.  So F2F2F2 and 333333 are grey,
  F5F5F5, FEFEFE and 262626 are not a status, and blue-grey 44546A is grey.
* ``V < 0.25`` is near-black whatever its hue (``None``): 003300.
* Hue ``[345, 360) + [0, 15)`` **red** (FFC7CE "Bad" sits at 352.5);
  ``[15, 70)`` **amber** (oranges and yellows, peach F8CBAD at 24 included), but
  brown when ``V < 0.62`` (833C0C, 993300, 806000 -> ``None``);
  ``[70, 165)`` **green** (92D050 at 89, lime 99CC00 at 75);
  ``[165, 255)`` **blue** (cyan 00FFFF and teal at 180, 00B0F0 at 196, indigo at 240);
  ``[255, 345)`` purple and pink (7030A0, FF00FF, FF99CC at 330) -> ``None``.
"""
from __future__ import annotations

import colorsys
import re
from functools import lru_cache
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Iterable, Mapping

COLOURS = ("green", "amber", "red", "blue", "grey")


class Meaning(str, Enum):
    COMPLETE = "complete"
    ON_TRACK = "on track"
    IN_PROGRESS = "in progress"
    BEHIND = "behind schedule"
    NOT_STARTED = "not started"

    def __str__(self) -> str:
        return self.value


# --- colour as a person sees it ------------------------------------------------

_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})?([0-9A-Fa-f]{6})$")

MIN_CHROMA = 0.06
MIN_SATURATION = 0.25
WHITE_LIGHTNESS = 0.96
BLACK_LIGHTNESS = 0.2
BLACK_VALUE = 0.25
BROWN_VALUE = 0.62


def _rrggbb(rgb: str | None) -> str | None:
    """'RRGGBB' from 'RRGGBB' or 'AARRGGBB' (Excel ignores the alpha byte); None if malformed."""
    if not isinstance(rgb, str):
        return None
    m = _HEX.match(rgb.strip().lstrip("#"))
    return m.group(1).upper() if m else None


def _channels(hex6: str) -> tuple[float, float, float]:
    return tuple(int(hex6[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def classify_rgb(rgb: str | None) -> str | None:
    """One of :data:`COLOURS` for what a person sees, or None for no fill, white, black and other hues."""
    hex6 = _rrggbb(rgb)
    if hex6 is None:
        return None
    r, g, b = _channels(hex6)
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    value, chroma = max(r, g, b), max(r, g, b) - min(r, g, b)
    if chroma < MIN_CHROMA or saturation < MIN_SATURATION:
        if lightness >= WHITE_LIGHTNESS or lightness < BLACK_LIGHTNESS:
            return None
        return "grey"
    if value < BLACK_VALUE:
        return None
    degrees = hue * 360
    if degrees >= 345 or degrees < 15:
        return "red"
    if degrees < 70:
        return "amber" if value >= BROWN_VALUE else None
    if degrees < 165:
        return "green"
    if degrees < 255:
        return "blue"
    return None


def apply_tint(rgb: str, tint: float) -> str:
    """The colour Excel derives from ``rgb`` and a ``tint`` in [-1, 1], as 'RRGGBB'.

    Excel's rule (ECMA-376 CT_Color/@tint) works on HLS lightness: a negative tint
    darkens, ``L * (1 + tint)``; a positive one lightens, ``L + (1 - L) * tint``.
    Computed in floating point; Excel's own palette swatches can differ by 1-2 per
    channel (it shows C6E0B4 where this gives C5E0B4), which no person can see.
    """
    hex6 = _rrggbb(rgb)
    if hex6 is None:
        raise ValueError(f"not an RGB colour: {rgb!r}")
    tint = max(-1.0, min(1.0, float(tint)))
    if tint == 0:
        return hex6
    hue, lightness, saturation = colorsys.rgb_to_hls(*_channels(hex6))
    lightness = lightness * (1 + tint) if tint < 0 else lightness + (1 - lightness) * tint
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "".join(f"{int(c * 255 + 0.5):02X}" for c in (r, g, b))


# --- theme and indexed palettes ------------------------------------------------

_SCHEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3",
                 "accent4", "accent5", "accent6", "hlink", "folHlink")
_SYSTEM_COLOURS = {"windowText": "000000", "window": "FFFFFF"}

DEFAULT_THEME: tuple[str, ...] = (
    "FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31",
    "A5A5A5", "FFC000", "5B9BD5", "70AD47", "0563C1", "954F72",
)
"""The Office theme (Excel 2013-2019), used when a workbook's theme is not known."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scheme_colour(slot) -> str | None:
    for child in slot:
        kind = _local(child.tag)
        if kind == "srgbClr":
            return _rrggbb(child.get("val"))
        if kind == "sysClr":
            return _rrggbb(child.get("lastClr")) or _SYSTEM_COLOURS.get(child.get("val", ""))
        if kind == "scrgbClr":
            try:
                parts = [float(child.get(k, "").rstrip("%")) for k in ("r", "g", "b")]
            except ValueError:
                return None
            scale = 100 if child.get("r", "").endswith("%") else 100_000
            return "".join(f"{round(max(0.0, min(1.0, p / scale)) * 255):02X}" for p in parts)
    return None


def theme_colours(theme_xml: bytes) -> list[str]:
    """The 12 theme colours of ``xl/theme/theme1.xml`` in the order cell styles index them.

    Styles number the scheme lt1, dk1, lt2, dk2, accent1-6, hlink, folHlink: the
    first two pairs are swapped against their order in the XML (the default font's
    ``theme="1"`` is black text, i.e. dk1).  The XML is parsed with defusedxml so a
    DTD or entity bomb is refused; any unreadable theme raises ValueError.
    """
    import defusedxml.ElementTree as SafeET        # here: a theme is read only when a fill uses its colours

    try:
        root = SafeET.fromstring(theme_xml)
    except SafeET.ParseError as exc:
        raise ValueError(f"theme part is not readable XML: {exc}") from None
    scheme = next((el for el in root.iter() if _local(el.tag) == "clrScheme"), None)
    if scheme is None:
        raise ValueError("theme part has no colour scheme")
    slots = {_local(el.tag): el for el in scheme}
    colours = []
    for name in _SCHEME_ORDER:
        colour = _scheme_colour(slots[name]) if name in slots else None
        if colour is None:
            raise ValueError(f"theme colour {name} is missing or not an RGB colour")
        colours.append(colour)
    return colours


DEFAULT_INDEXED: tuple[str, ...] = (
    "000000", "FFFFFF", "FF0000", "00FF00", "0000FF", "FFFF00", "FF00FF", "00FFFF",
    "000000", "FFFFFF", "FF0000", "00FF00", "0000FF", "FFFF00", "FF00FF", "00FFFF",
    "800000", "008000", "000080", "808000", "800080", "008080", "C0C0C0", "808080",
    "9999FF", "993366", "FFFFCC", "CCFFFF", "660066", "FF8080", "0066CC", "CCCCFF",
    "000080", "FF00FF", "FFFF00", "00FFFF", "800080", "800000", "008080", "0000FF",
    "00CCFF", "CCFFFF", "CCFFCC", "FFFF99", "99CCFF", "FF99CC", "CC99FF", "FFCC99",
    "3366FF", "33CCCC", "99CC00", "FFCC00", "FF9900", "FF6600", "666699", "969696",
    "003366", "339966", "003300", "333300", "993300", "993366", "333399", "333333",
)
"""Excel's legacy indexed colours 0-63; 64 and 65 are the system foreground/background."""


def resolve_colour(*, rgb: str | None = None, theme: int | None = None, tint: float = 0.0,
                   indexed: int | None = None, theme_palette: list[str] | None = None,
                   indexed_palette: list[str] | None = None) -> str | None:
    """The 'RRGGBB' shown for a fill's fgColor, whichever way it was written.

    ``rgb`` wins over ``theme``, which wins over ``indexed``.  A custom
    ``<indexedColors>`` palette replaces the default index by index (a short one
    falls back to the default beyond its end).  Indexed 64/65 (system colours),
    out-of-range indices and malformed codes give None.
    """
    base: str | None = None
    if rgb is not None:
        base = _rrggbb(rgb)
    elif theme is not None:
        palette = list(theme_palette) if theme_palette is not None else DEFAULT_THEME
        base = _rrggbb(palette[theme]) if 0 <= theme < len(palette) else None
    elif indexed is not None and 0 <= indexed < len(DEFAULT_INDEXED):
        custom = list(indexed_palette or ())
        if indexed < len(custom):
            base = _rrggbb(custom[indexed])
        else:
            base = DEFAULT_INDEXED[indexed]
    if base is None:
        return None
    return apply_tint(base, tint) if tint else base


# --- meaning ------------------------------------------------------------------

@dataclass(frozen=True)
class Legend:
    """Which meaning each colour carries in one workbook."""

    meanings: Mapping[str, Meaning]
    source: str = "default"

    def __post_init__(self) -> None:
        checked = {}
        for colour, meaning in self.meanings.items():
            if colour not in COLOURS:
                raise ValueError(f"unknown RAG colour {colour!r} (expected one of {', '.join(COLOURS)})")
            checked[colour] = Meaning(meaning)
        object.__setattr__(self, "meanings", MappingProxyType(checked))

    def __hash__(self) -> int:
        return hash((tuple(self.meanings.items()), self.source))

    def colour_for(self, meaning: Meaning) -> str | None:
        """The first colour with that meaning (a sheet's own legend lists its colours first)."""
        return next((c for c, m in self.meanings.items() if m == meaning), None)

    def is_complete(self, colour: str | None) -> bool:
        return colour is not None and self.meanings.get(colour) == Meaning.COMPLETE


DEFAULT_LEGEND = Legend({
    "green": Meaning.COMPLETE,
    "amber": Meaning.IN_PROGRESS,
    "red": Meaning.BEHIND,
    "blue": Meaning.COMPLETE,
    "grey": Meaning.NOT_STARTED,
})

_COLOUR_WORDS = {"green": "green", "amber": "amber", "red": "red", "blue": "blue",
                 "grey": "grey", "gray": "grey"}
_COLOUR_LETTERS = {"g": "green", "a": "amber", "r": "red", "b": "blue"}

# Longest phrases first so "not started" is not read as "started".
_MEANING_WORDS: tuple[tuple[str, Meaning], ...] = (
    ("not yet started", Meaning.NOT_STARTED),
    ("not started", Meaning.NOT_STARTED),
    ("behind schedule", Meaning.BEHIND),
    ("partially complete", Meaning.IN_PROGRESS),
    ("partly complete", Meaning.IN_PROGRESS),
    ("in progress", Meaning.IN_PROGRESS),
    ("on track", Meaning.ON_TRACK),
    ("off track", Meaning.BEHIND),
    ("on going", Meaning.IN_PROGRESS),
    ("on-going", Meaning.IN_PROGRESS),
    ("ongoing", Meaning.IN_PROGRESS),
    ("underway", Meaning.IN_PROGRESS),
    ("under way", Meaning.IN_PROGRESS),
    ("started", Meaning.IN_PROGRESS),
    ("completed", Meaning.COMPLETE),
    ("complete", Meaning.COMPLETE),
    ("achieved", Meaning.COMPLETE),
    ("closed", Meaning.COMPLETE),
    ("done", Meaning.COMPLETE),
    ("behind", Meaning.BEHIND),
    ("delayed", Meaning.BEHIND),
    ("overdue", Meaning.BEHIND),
)

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-",
                         "\u2011": "-", "\u2212": "-", "\u00a0": " "})
_PREFIX = re.compile(r"^(?:rag(?:\s+status|\s+rating)?|status)\s*[:=\-]\s*")
_TAG = re.compile(r"<[^<>]+>")
_SEPARATOR = re.compile(r"^\s*(?:-+|=|:)\s*")


def _clean(text: str) -> str:
    text = " ".join(text.translate(_DASHES).split()).lower()
    return text.strip(" .,;:!?")


def _leading(text: str, phrases: Iterable[str]) -> tuple[str, str] | None:
    """The phrase ``text`` starts with as a whole word, and the rest."""
    for phrase in phrases:
        if text.startswith(phrase):
            rest = text[len(phrase):]
            if not rest or not rest[0].isalnum():
                return phrase, rest
    return None


_MEANING_OF = dict(_MEANING_WORDS)


def _meaning_of(text: str) -> tuple[Meaning, str] | None:
    hit = _leading(text, _MEANING_OF)
    return (_MEANING_OF[hit[0]], hit[1]) if hit else None


def _colour_of(text: str) -> tuple[str, str] | None:
    """A colour word at the start of ``text``, or a letter standing alone before a separator."""
    hit = _leading(text, _COLOUR_WORDS)
    if hit:
        return _COLOUR_WORDS[hit[0]], hit[1]
    if text[:1] in _COLOUR_LETTERS and (len(text) == 1 or _SEPARATOR.match(text[1:])):
        return _COLOUR_LETTERS[text[0]], text[1:]
    return None


@lru_cache(maxsize=4096)
def parse_legend_line(text: str) -> tuple[str, Meaning] | None:
    """``"Green– Complete"``, ``"Blue = complete"``, ``"G = Complete"`` -> (colour, meaning); else None.

    The colour must be followed by a dash, ``=`` or ``:`` and then a meaning, so a
    sentence that merely starts with a colour is not taken for a legend.
    """
    cleaned = _clean(text)
    colour = _colour_of(cleaned)
    if colour is None:
        return None
    sep = _SEPARATOR.match(colour[1])
    if sep is None:
        return None
    remainder = colour[1][sep.end():]
    meaning = _meaning_of(remainder)
    if meaning is None or re.sub(r"\([^)]*\)", "", meaning[1]).strip(" .,;:"):
        return None
    return colour[0], meaning[0]


def legend_from_lines(lines: Iterable[str], base: Legend = DEFAULT_LEGEND) -> Legend | None:
    """The legend a sheet states (its colours first, ``base`` filling the rest); None if it states none."""
    found: dict[str, Meaning] = {}
    for line in lines:
        parsed = parse_legend_line(line) if isinstance(line, str) else None
        if parsed:
            found.setdefault(parsed[0], parsed[1])
    if not found:
        return None
    merged = dict(found)
    for colour, meaning in base.meanings.items():
        merged.setdefault(colour, meaning)
    return Legend(merged, source="sheet")


_PROGRESS_PAIR = (Meaning.IN_PROGRESS, Meaning.ON_TRACK)


def _through_legend(meaning: Meaning, legend: Legend) -> tuple[str | None, Meaning]:
    colour = legend.colour_for(meaning)
    if colour is None and meaning in _PROGRESS_PAIR:
        other = _PROGRESS_PAIR[1 - _PROGRESS_PAIR.index(meaning)]
        colour = legend.colour_for(other)
        if colour is not None:
            return colour, other
    return colour, meaning


def status_from_word(text: str, legend: Legend = DEFAULT_LEGEND) -> tuple[str | None, Meaning | None] | None:
    """A status written as a word -> (colour, meaning) through ``legend``; None when it is not a status.

    The word may lead a longer note ("Complete. Ratified by ..."). "In progress" and
    "On track" take whichever of the two the legend has.  A colour word gives that
    colour and the legend's meaning for it (None if the legend has none); two colours
    ("Amber/Green") are not guessed at.
    """
    if not isinstance(text, str):
        return None
    cleaned = _PREFIX.sub("", _clean(_TAG.sub(" ", text)))
    meaning = _meaning_of(cleaned)
    if meaning is not None:
        return _through_legend(meaning[0], legend)
    colour = _colour_of(cleaned)
    if colour is None:
        return None
    after = re.sub(r"^\s*[/\-&]\s*", "", colour[1])
    if after != colour[1] and _colour_of(after.strip()):
        return None
    return colour[0], legend.meanings.get(colour[0])
