"""RAG colours and status words: classification, Excel's tint and palettes, legends, words."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from ehxl.rag import (
    COLOURS,
    DEFAULT_INDEXED,
    DEFAULT_LEGEND,
    Legend,
    Meaning,
    apply_tint,
    classify_rgb,
    legend_from_lines,
    parse_legend_line,
    resolve_colour,
    status_from_word,
    theme_colours,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Tints exactly as Excel writes them for "Darker 25%", "Lighter 40%", "Lighter 60%".
DARKER_25 = -0.249977111117893
LIGHTER_40 = 0.39997558519241921
LIGHTER_60 = 0.5999938962981048


def _sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample workbook {name} not found: ../shared/samples is absent")
    return path


def _close(a: str, b: str, within: int) -> bool:
    return all(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) <= within for i in (0, 2, 4))


# --- classify_rgb -----------------------------------------------------------

@pytest.mark.parametrize("rgb", ["00B050", "92D050", "C6EFCE", "A9D08E", "E2EFDA", "C6E0B4", "548235", "375623"])
def test_excel_greens_are_green(rgb):
    assert classify_rgb(rgb) == "green"


@pytest.mark.parametrize("rgb", ["FFC000", "FFFF00", "FFEB9C", "FFD966", "F4B084", "ED7D31", "F8CBAD", "FFF2CC",
                                 "C65911", "FF6600", "FF9900"])
def test_excel_ambers_yellows_and_oranges_are_amber(rgb):
    # F8CBAD (Orange, Accent 2, Lighter 60%) is peach at hue 24: decided amber, not red.
    assert classify_rgb(rgb) == "amber"


@pytest.mark.parametrize("rgb", ["FF0000", "C00000", "FFC7CE", "800000", "FF8080"])
def test_excel_reds_are_red(rgb):
    assert classify_rgb(rgb) == "red"


@pytest.mark.parametrize("rgb", ["00B0F0", "0070C0", "9BC2E6", "BDD7EE", "DDEBF7", "4472C4", "2F5597", "00FFFF"])
def test_excel_blues_are_blue(rgb):
    assert classify_rgb(rgb) == "blue"


@pytest.mark.parametrize("rgb", ["D9D9D9", "BFBFBF", "A6A6A6", "808080", "F2F2F2", "44546A"])
def test_excel_greys_are_grey(rgb):
    assert classify_rgb(rgb) == "grey"


@pytest.mark.parametrize("rgb", [
    None, "", "FFFFFF", "FEFEFE", "F5F5F5",          # no fill, white, near-white
    "000000", "262626",                              # black, near-black
    "7030A0", "CC99FF",                              # purples
    "FF00FF", "FF99CC", "993366",                    # pinks and plum
    "833C0C", "993300", "806000",                    # browns
    "not a colour", "FFF", "GG0000",                 # malformed
])
def test_no_status_colour(rgb):
    assert classify_rgb(rgb) is None


def test_alpha_byte_is_ignored():
    assert classify_rgb("FF00B050") == "green"
    assert classify_rgb("0000B050") == "green"
    assert classify_rgb("#FFC000") == "amber"


@pytest.mark.parametrize("rgb, expected", [
    # red | amber at hue 15: pure red plus green; hue = 60 * G / 255.
    ("FF3F00", "red"),     # 14.82 degrees
    ("FF4000", "amber"),   # 15.06
    # amber | green at 70: G max, B 0; hue = 120 - 60 * R / 255.
    ("D5FF00", "amber"),   # 69.88
    ("D4FF00", "green"),   # 70.12
    # green | blue at 165: G max, R 0; hue = 120 + 60 * B / 255.
    ("00FFBF", "green"),   # 164.94
    ("00FFC0", "blue"),    # 165.18
    # blue | purple at 255: B max, G 0; hue = 240 + 60 * R / 255.
    ("3F00FF", "blue"),    # 254.82
    ("4000FF", None),      # 255.06
    # pink | red at 345: R max, G 0; hue = 360 - 60 * B / 255.
    ("FF0040", None),      # 344.94
    ("FF003F", "red"),     # 345.18
])
def test_hue_boundaries(rgb, expected):
    assert classify_rgb(rgb) == expected


@pytest.mark.parametrize("rgb, expected", [
    # saturation 0.25 at L = 0.5: S = (max - min) / (max + min)
    ("9F6060", "grey"),    # (159-96)/(159+96) = 0.247
    ("A06060", "red"),     # L = 0.502 > 0.5: 64 / (510 - 256) = 0.252
    # chroma 0.06 on a pale colour: 15/255 = 0.059, 16/255 = 0.063
    ("E5E5F4", "grey"),
    ("E5E5F5", "blue"),
    # white at L 0.96: F5 = 245/255 = 0.9608, F4 = 0.9569
    ("F5F5F5", None),
    ("F4F4F4", "grey"),
    # black at L 0.2: 0x33 = 51/255 = 0.2, 0x32 = 0.196
    ("333333", "grey"),
    ("323232", None),
    # near-black colour at V 0.25: 0x40 = 0.251, 0x3F = 0.247
    ("004000", "green"),
    ("003F00", None),
    # brown at V 0.62 (hue 30): 0x9F = 0.624, 0x9E = 0.620
    ("9F5000", "amber"),
    ("9E4F00", None),
])
def test_lightness_saturation_boundaries(rgb, expected):
    assert classify_rgb(rgb) == expected


# --- apply_tint ---------------------------------------------------------------

def test_tint_lightens_accent6_by_hand():
    # 70AD47: r,g,b = .43922,.67843,.27843; L = .47843, S = .4/.95686 = .41803, H = .26634
    # L' = .47843 * (1 - .59999) + .59999 = .79137; m2 = L'+S-L'S = .87858, m1 = .70416
    # R = m1 + (m2-m1)*(2/3 - .59967)*6 = .77427 -> 197 = C5; G = m2 -> 224 = E0; B = m1 -> 180 = B4
    assert apply_tint("70AD47", LIGHTER_60) == "C5E0B4"
    assert _close(apply_tint("70AD47", LIGHTER_60), "C6E0B4", 1)  # the swatch Excel shows


def test_tint_darkens_accent1_by_hand():
    # 4472C4: L = .51765, S = .50196/.96471 = .52033, H = .60677
    # L' = .51765 * .75002 = .38825; m2 = L'(1+S) = .59027, m1 = .18623
    # R = m1 -> 47 = 2F; G = m1 + (m2-m1)*(2/3-H)*6 = .33143 -> 85 = 55; B = m2 -> 151 = 97
    assert apply_tint("4472C4", DARKER_25) == "2F5597"


def test_tint_darkens_accent2_by_hand():
    # ED7D31: L = .56078, S = .83928, H = .06738; L' = .42060; m2 = .77360, m1 = .06760
    # R = m2 -> 197 = C5; G = m1 + (m2-m1)*H*6 = .35300 -> 90 = 5A; B = m1 -> 17 = 11
    assert apply_tint("ED7D31", DARKER_25) == "C55A11"


def test_tint_lightens_accent4_by_hand():
    # FFC000: L = .5, S = 1, H = .12549; L' = .5 + .5 * .39998 = .69999; m2 = 1, m1 = .39998
    # R = 255; G = m1 + (1-m1)*H*6 = .85176 -> 217 = D9; B = m1 -> 102 = 66
    assert apply_tint("FFC000", LIGHTER_40) == "FFD966"


def test_tint_on_greys_is_plain_scaling():
    # no hue: darkening scales each channel, lightening moves it toward 255
    assert apply_tint("FFFFFF", -0.1499984740745262) == "D9D9D9"   # 255 * .85 = 216.75
    assert apply_tint("FFFFFF", DARKER_25) == "BFBFBF"             # 255 * .75 = 191.26
    assert apply_tint("000000", 0.499984740745262) == "7F7F7F"     # 255 * .499985 = 127.496 -> 127
    assert _close(apply_tint("000000", 0.499984740745262), "808080", 1)   # Excel's swatch
    assert apply_tint("808080", 0.5) == "C0C0C0"                  # 128 + 127 * .5 = 191.5 -> 192


def test_tint_zero_and_extremes():
    assert apply_tint("70AD47", 0) == "70AD47"
    assert apply_tint("70AD47", 1) == "FFFFFF"
    assert apply_tint("70AD47", -1) == "000000"
    assert apply_tint("FF70AD47", 0) == "70AD47"


def test_tint_refuses_a_non_colour():
    with pytest.raises(ValueError):
        apply_tint("green", 0.5)


# --- theme colours --------------------------------------------------------------

_THEME_XML = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Council">
<a:themeElements><a:clrScheme name="Council">
<a:dk1><a:sysClr val="windowText" lastClr="111111"/></a:dk1>
<a:lt1><a:sysClr val="window" lastClr="FEFEFE"/></a:lt1>
<a:dk2><a:srgbClr val="222222"/></a:dk2><a:lt2><a:srgbClr val="EEEEEE"/></a:lt2>
<a:accent1><a:srgbClr val="A10000"/></a:accent1><a:accent2><a:srgbClr val="A20000"/></a:accent2>
<a:accent3><a:srgbClr val="A30000"/></a:accent3><a:accent4><a:srgbClr val="A40000"/></a:accent4>
<a:accent5><a:srgbClr val="A50000"/></a:accent5><a:accent6><a:srgbClr val="A60000"/></a:accent6>
<a:hlink><a:srgbClr val="0000AA"/></a:hlink><a:folHlink><a:srgbClr val="0000BB"/></a:folHlink>
</a:clrScheme></a:themeElements></a:theme>"""


def test_theme_order_swaps_light_and_dark():
    assert theme_colours(_THEME_XML) == [
        "FEFEFE", "111111", "EEEEEE", "222222",
        "A10000", "A20000", "A30000", "A40000", "A50000", "A60000",
        "0000AA", "0000BB",
    ]


def test_theme_sysclr_without_last_colour_uses_system_default():
    xml = _THEME_XML.replace(b' lastClr="111111"', b"").replace(b' lastClr="FEFEFE"', b"")
    assert theme_colours(xml)[:2] == ["FFFFFF", "000000"]


def test_theme_refuses_entity_bomb():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">&b;</a:theme>')
    with pytest.raises(ValueError):
        theme_colours(bomb)


def test_theme_refuses_broken_or_incomplete_xml():
    with pytest.raises(ValueError):
        theme_colours(b"<a:theme")
    with pytest.raises(ValueError, match="accent6"):
        theme_colours(re.sub(rb"<a:accent6>.*?</a:accent6>", b"", _THEME_XML))
    with pytest.raises(ValueError, match="colour scheme"):
        theme_colours(b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"/>')


def _fills(styles_xml: bytes) -> list[dict]:
    """fgColor attributes of each fill in styles.xml, read independently of ehxl."""
    found = []
    for fill in re.findall(rb"<fill>(.*?)</fill>", styles_xml, re.S):
        fg = re.search(rb"<fgColor ([^>]*)/>", fill)
        found.append(dict(re.findall(r'(\w+)="([^"]*)"', fg.group(1).decode())) if fg else {})
    return found


@pytest.mark.samples
def test_theme_order_and_tints_against_real_excel_file():
    with zipfile.ZipFile(_sample("closedxml__ThemeColors_input.xlsx")) as z:
        palette = theme_colours(z.read("xl/theme/theme1.xml"))
        styles = z.read("xl/styles.xml")
        labels = re.findall(rb"<t>(.*?)</t>", z.read("xl/sharedStrings.xml"))
    # The default font is <color theme="1"/> and Excel shows it black: index 1 is dk1.
    assert b'<color theme="1"/>' in styles
    assert palette[:2] == ["FFFFFF", "000000"]
    assert palette[2:4] == ["E7E6E6", "44546A"]
    assert palette[4:10] == ["4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47"]
    assert palette[10:] == ["0563C1", "954F72"]
    assert labels == [b"Accent2, Darker 25%", b"Accent4, Lighter 40%", b"Accent6"]
    shown = []
    for fg in _fills(styles)[2:5]:
        shown.append(resolve_colour(theme=int(fg["theme"]), tint=float(fg.get("tint", 0)), theme_palette=palette))
    assert shown == ["C55A11", "FFD966", "70AD47"]
    # Excel's own swatches for these three are C65911, FFD966, 70AD47.
    assert all(_close(a, b, 1) for a, b in zip(shown, ["C65911", "FFD966", "70AD47"]))
    assert [classify_rgb(c) for c in shown] == ["amber", "amber", "green"]


# --- indexed colours and resolve_colour --------------------------------------------

def test_default_indexed_palette_spot_checks():
    assert len(DEFAULT_INDEXED) == 64
    assert DEFAULT_INDEXED[:8] == ("000000", "FFFFFF", "FF0000", "00FF00", "0000FF", "FFFF00", "FF00FF", "00FFFF")
    assert DEFAULT_INDEXED[8:16] == DEFAULT_INDEXED[:8]
    assert DEFAULT_INDEXED[10] == "FF0000"
    assert DEFAULT_INDEXED[17] == "008000"
    assert DEFAULT_INDEXED[22] == "C0C0C0"
    assert DEFAULT_INDEXED[42] == "CCFFCC"
    assert DEFAULT_INDEXED[51] == "FFCC00"
    assert DEFAULT_INDEXED[61] == "993366"
    assert DEFAULT_INDEXED[63] == "333333"


def test_default_indexed_palette_matches_openpyxl():
    from openpyxl.styles.colors import COLOR_INDEX
    assert [c[2:] for c in COLOR_INDEX[:64]] == list(DEFAULT_INDEXED)


def test_resolve_colour_each_way_of_writing():
    assert resolve_colour() is None
    assert resolve_colour(rgb="FF00B050") == "00B050"
    assert resolve_colour(rgb="bad") is None
    assert resolve_colour(rgb="FFFFFFFF", tint=DARKER_25) == "BFBFBF"
    assert resolve_colour(theme=9) == "70AD47"                                 # Office theme accent6
    assert resolve_colour(theme=0, tint=-0.1499984740745262) == "D9D9D9"
    assert resolve_colour(theme=4, theme_palette=["FFFFFF"] * 4 + ["123456"]) == "123456"
    assert resolve_colour(theme=12) is None
    assert resolve_colour(theme=-1) is None
    assert resolve_colour(indexed=10) == "FF0000"
    assert resolve_colour(indexed=64) is None                                   # system foreground
    assert resolve_colour(indexed=65) is None
    assert resolve_colour(indexed=-1) is None
    assert resolve_colour(indexed=3, indexed_palette=["00000000"] * 3 + ["0092D050"]) == "92D050"
    # a short custom palette falls back to the default beyond its end
    assert resolve_colour(indexed=10, indexed_palette=["00000000"] * 3) == "FF0000"


def test_rgb_wins_over_theme_and_indexed():
    assert resolve_colour(rgb="FFFF0000", theme=9, indexed=17) == "FF0000"
    assert resolve_colour(theme=9, indexed=10) == "70AD47"


@pytest.mark.samples
def test_custom_indexed_palette_from_real_file():
    with zipfile.ZipFile(_sample("poi__customIndexedColors.xlsx")) as z:
        styles = z.read("xl/styles.xml")
        sheet = z.read("xl/worksheets/sheet2.xml")
    custom = re.findall(rb'<rgbColor rgb="(\w+)"/>', styles)
    assert len(custom) == 64
    assert b'<c r="A1" s="3"/>' in sheet                  # cellXfs[3] uses fill 2
    fg = _fills(styles)[2]
    assert fg == {"indexed": "61"}
    palette = [c.decode() for c in custom]
    assert resolve_colour(indexed=61, indexed_palette=palette) == "E8E8E8"   # the 62nd <rgbColor>: 00E8E8E8
    assert resolve_colour(indexed=61) == "993366"                            # what the default would show
    assert classify_rgb(resolve_colour(indexed=61, indexed_palette=palette)) == "grey"
    assert resolve_colour(indexed=60, indexed_palette=palette) == "DCEDE0"
    assert classify_rgb("DCEDE0") == "green"


@pytest.mark.samples
def test_default_indexed_fill_from_real_file():
    with zipfile.ZipFile(_sample("poi__50786-indexed_colours.xlsx")) as z:
        styles = z.read("xl/styles.xml")
    assert b"<indexedColors>" not in styles
    fg = _fills(styles)[2]
    assert fg == {"indexed": "42"}
    assert resolve_colour(indexed=int(fg["indexed"])) == "CCFFCC"
    assert classify_rgb("CCFFCC") == "green"


# --- legends --------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("Green– Complete", ("green", Meaning.COMPLETE)),
    ("Amber – In progress", ("amber", Meaning.IN_PROGRESS)),
    ("Red– Behind schedule", ("red", Meaning.BEHIND)),
    ("Blue = complete", ("blue", Meaning.COMPLETE)),
    ("Green: on track", ("green", Meaning.ON_TRACK)),
    ("Grey - not started", ("grey", Meaning.NOT_STARTED)),
    ("Gray — Not yet started.", ("grey", Meaning.NOT_STARTED)),
    ("G = Complete", ("green", Meaning.COMPLETE)),
    ("R = Behind", ("red", Meaning.BEHIND)),
    ("  AMBER  -  IN PROGRESS  ", ("amber", Meaning.IN_PROGRESS)),
    ("Green – Complete (action closed)", ("green", Meaning.COMPLETE)),
])
def test_legend_lines(line, expected):
    assert parse_legend_line(line) == expected


@pytest.mark.parametrize("line", [
    "", "Green", "Complete", "Green light from the board – complete", "Red tape reduced",
    "A Kaiser to gather quarter 2 data", "Amber – awaiting data", "Purple = complete",
    "Green – Complete and Amber – In progress",
])
def test_not_legend_lines(line):
    assert parse_legend_line(line) is None


def test_legend_from_seed_lines():
    seed = SEEDS / "000_c952e22aea2992d4.txt"
    lines = seed.read_text(encoding="utf-8").splitlines() if seed.exists() else [
        "Green– Complete", "Amber – In progress", "Red– Behind schedule"]
    legend = legend_from_lines(lines)
    assert legend is not None and legend.source == "sheet"
    assert dict(legend.meanings) == {
        "green": Meaning.COMPLETE, "amber": Meaning.IN_PROGRESS, "red": Meaning.BEHIND,
        "blue": Meaning.COMPLETE, "grey": Meaning.NOT_STARTED,
    }


def test_sheet_legend_overrides_and_its_colours_come_first():
    legend = legend_from_lines(["Key:", "Blue = complete", "Green = on track", "Red - behind schedule"])
    assert legend.meanings["green"] is Meaning.ON_TRACK
    assert legend.meanings["amber"] is Meaning.IN_PROGRESS           # kept from the default
    assert legend.colour_for(Meaning.COMPLETE) == "blue"
    assert legend.colour_for(Meaning.ON_TRACK) == "green"
    assert legend.is_complete("blue") and not legend.is_complete("green")
    assert legend_from_lines(["no legend here", "Action 1.1"]) is None
    assert legend_from_lines([]) is None


def test_default_legend():
    assert DEFAULT_LEGEND.source == "default"
    assert dict(DEFAULT_LEGEND.meanings) == {
        "green": Meaning.COMPLETE, "amber": Meaning.IN_PROGRESS, "red": Meaning.BEHIND,
        "blue": Meaning.COMPLETE, "grey": Meaning.NOT_STARTED,
    }
    assert set(DEFAULT_LEGEND.meanings) == set(COLOURS)
    assert DEFAULT_LEGEND.colour_for(Meaning.COMPLETE) == "green"
    assert DEFAULT_LEGEND.colour_for(Meaning.ON_TRACK) is None
    assert DEFAULT_LEGEND.is_complete("green") and DEFAULT_LEGEND.is_complete("blue")
    assert not DEFAULT_LEGEND.is_complete("amber") and not DEFAULT_LEGEND.is_complete(None)


def test_legend_from_config_values_and_validation():
    legend = Legend({"green": "complete", "red": "behind schedule"}, source="config")
    assert legend.meanings["green"] is Meaning.COMPLETE
    assert hash(legend) == hash(Legend({"green": Meaning.COMPLETE, "red": Meaning.BEHIND}, source="config"))
    with pytest.raises(ValueError):
        Legend({"purple": Meaning.COMPLETE})
    with pytest.raises(ValueError):
        Legend({"green": "finished"})
    with pytest.raises(TypeError):
        legend.meanings["amber"] = Meaning.BEHIND  # type: ignore[index]


# --- status words ---------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Complete", ("green", Meaning.COMPLETE)),
    ("Completed", ("green", Meaning.COMPLETE)),
    ("done", ("green", Meaning.COMPLETE)),
    ("Achieved.", ("green", Meaning.COMPLETE)),
    ("CLOSED", ("green", Meaning.COMPLETE)),
    ("Complete. Ratified by DSCB Policy and Procedure sub group and disseminated across the city.",
     ("green", Meaning.COMPLETE)),
    ("Completed – further work to identify evidence against outcomes", ("green", Meaning.COMPLETE)),
    ("Completed Feb 16", ("green", Meaning.COMPLETE)),
    ("In progress", ("amber", Meaning.IN_PROGRESS)),
    ("In Progress", ("amber", Meaning.IN_PROGRESS)),
    ("  in   progress. ", ("amber", Meaning.IN_PROGRESS)),
    ("Ongoing", ("amber", Meaning.IN_PROGRESS)),
    ("On-going", ("amber", Meaning.IN_PROGRESS)),
    ("Started", ("amber", Meaning.IN_PROGRESS)),
    ("On track", ("amber", Meaning.IN_PROGRESS)),      # the default legend has no ON_TRACK
    ("Behind", ("red", Meaning.BEHIND)),
    ("Behind schedule", ("red", Meaning.BEHIND)),
    ("Delayed due to the cyber-attack", ("red", Meaning.BEHIND)),
    ("Overdue!", ("red", Meaning.BEHIND)),
    ("Off track", ("red", Meaning.BEHIND)),
    ("Not started", ("grey", Meaning.NOT_STARTED)),
    ("Not yet started", ("grey", Meaning.NOT_STARTED)),
    ("Green", ("green", Meaning.COMPLETE)),
    ("amber", ("amber", Meaning.IN_PROGRESS)),
    ("Red", ("red", Meaning.BEHIND)),
    ("Blue", ("blue", Meaning.COMPLETE)),
    ("Grey", ("grey", Meaning.NOT_STARTED)),
    ("Gray", ("grey", Meaning.NOT_STARTED)),
    ("G", ("green", Meaning.COMPLETE)),
    ("A", ("amber", Meaning.IN_PROGRESS)),
    ("r.", ("red", Meaning.BEHIND)),
    ("RAG: Amber", ("amber", Meaning.IN_PROGRESS)),
    ("Status - Green", ("green", Meaning.COMPLETE)),
    ("Amber – awaiting data", ("amber", Meaning.IN_PROGRESS)),
    ("<p>Completed</p> <p>Signed off by the Board.</p>", ("green", Meaning.COMPLETE)),
])
def test_status_words(text, expected):
    assert status_from_word(text) == expected


@pytest.mark.parametrize("text", [
    "Audit tool to still be developed by MACH Manager",
    "Collaborative audit tool yet to be developed",
    "A Kaiser to gather quarter 2 data for EH, CIN, CPP, CIC and YOS",
    "Revised supervision policy was launched in September 2015.",
    "Incomplete",
    "Completely revised",
    "Reduced waiting times",
    "Amber/Green",
    "",
    "   ",
    "--",
    "66%",
])
def test_not_a_status(text):
    assert status_from_word(text) is None


def test_status_words_through_a_council_legend():
    legend = Legend({"blue": Meaning.COMPLETE, "green": Meaning.ON_TRACK, "red": Meaning.BEHIND}, source="config")
    assert status_from_word("Complete", legend) == ("blue", Meaning.COMPLETE)
    assert status_from_word("On track", legend) == ("green", Meaning.ON_TRACK)
    assert status_from_word("In progress", legend) == ("green", Meaning.ON_TRACK)   # no IN_PROGRESS colour
    assert status_from_word("Not started", legend) == (None, Meaning.NOT_STARTED)
    assert status_from_word("Amber", legend) == ("amber", None)
    assert status_from_word("Green", legend) == ("green", Meaning.ON_TRACK)


def test_status_from_word_ignores_non_text():
    assert status_from_word(None) is None  # type: ignore[arg-type]
    assert status_from_word(1.0) is None  # type: ignore[arg-type]
