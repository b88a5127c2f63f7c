"""ehxl.vba_project: vbaProject.bin written from source text, read back by independent readers.

olefile reads the compound file, oletools' olevba the VBA project (its strict
parser raises on any field that is not what [MS-OVBA] says), a small reader
here walks the raw sectors and directory, and the figures expected are worked
out by hand from the specs rather than taken from the writer.
"""
from __future__ import annotations

import logging
import random
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream, filter_vba

from ehxl.vba_project import (Module, add_module, build_vba_project, compound_file, compress, decompress, encrypt,
                              project_modules, read_root_stream, sheet_module, standard_module, workbook_module)

BAS = Path(__file__).resolve().parents[1] / "macros" / "ehxl.bas"
GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")
END_OF_CHAIN, FREE, FAT_SECTOR, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def bas_text() -> str:
    return BAS.read_text(encoding="utf-8")


def small_module(name: str, body: str = "") -> Module:
    return standard_module(f'Attribute VB_Name = "{name}"\nOption Explicit\n\nSub {name}Run()\n{body}End Sub\n')


def noisy_module(name: str, size: int, seed: int) -> Module:
    """A module whose text hardly compresses: comment lines of random hex."""
    rng = random.Random(seed)
    lines = [f'Attribute VB_Name = "{name}"']
    while sum(len(line) + 2 for line in lines) < size:
        lines.append("' " + rng.randbytes(30).hex())
    return standard_module("\n".join(lines) + "\n")


def project() -> list[Module]:
    return [workbook_module(), sheet_module("Sheet1"), standard_module(bas_text())]


def open_ole(data: bytes) -> olefile.OleFileIO:
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.parsing_issues == []
    return ole


def olevba_modules(data: bytes) -> dict[str, str]:
    parser = VBA_Parser(filename="vbaProject.bin", data=data)
    found = {}
    for _, stream, vba_filename, code in parser.extract_macros():
        assert stream == "VBA/" + vba_filename.rsplit(".", 1)[0]
        found[vba_filename] = code
    parser.close()
    return found


def strict_project(data: bytes) -> VBA_Project:
    """olevba's dir-stream parser with relaxed=False: any value off the spec raises."""
    project = VBA_Project(open_ole(data), "", "PROJECT", "VBA/dir", relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    return project


# -- a raw reader of the compound file, straight from MS-CFB

@dataclass
class Entry:
    sid: int
    name: str
    kind: int
    color: int
    left: int
    right: int
    child: int
    clsid: bytes
    times: tuple[int, int]
    start: int
    size: int


@dataclass
class RawFile:
    header: dict
    fat: list[int]
    mini_fat: list[int]
    dir_sectors: list[int]
    entries: list[Entry]
    sectors: int


def raw_cfb(data: bytes) -> RawFile:
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    minor, major, order, shift, mini_shift = struct.unpack_from("<5H", data, 24)
    assert (minor, major, order, shift, mini_shift) == (0x3E, 3, 0xFFFE, 9, 6)
    names = ("dir_count", "fat_count", "first_dir", "transaction", "cutoff", "first_mini_fat",
             "mini_fat_count", "first_difat", "difat_count")
    header = dict(zip(names, struct.unpack_from("<9I", data, 40)))
    assert len(data) % 512 == 0

    def sector(i: int) -> bytes:
        return data[512 * (i + 1):512 * (i + 2)]

    difat = struct.unpack_from("<109I", data, 76)
    assert all(s == FREE for s in difat[header["fat_count"]:])
    fat = [x for s in difat[:header["fat_count"]] for x in struct.unpack("<128I", sector(s))]
    dir_sectors = chain(fat, header["first_dir"])
    raw = b"".join(sector(s) for s in dir_sectors)
    entries = []
    for sid in range(len(raw) // 128):
        (name, name_len, kind, color, left, right, child, clsid, _, created, modified, start,
         size) = struct.unpack_from("<64sHBBIII16sIQQIQ", raw, sid * 128)
        entries.append(Entry(sid, name[:max(name_len - 2, 0)].decode("utf-16-le"), kind, color, left, right,
                             child, clsid, (created, modified), start, size))
    mini_fat = [x for s in chain(fat, header["first_mini_fat"]) for x in struct.unpack("<128I", sector(s))]
    return RawFile(header, fat, mini_fat, dir_sectors, entries, len(data) // 512 - 1)


def chain(table: list[int], start: int) -> list[int]:
    out = []
    while start != END_OF_CHAIN:
        assert start < len(table) and start not in out
        out.append(start)
        start = table[start]
    return out


def cfb_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def check_red_black(raw: RawFile, top: int) -> list[str]:
    """The names in one storage's tree, in order, after checking it is a red-black tree in CFB order."""
    entries = raw.entries

    def walk(sid: int, parent_red: bool) -> tuple[int, list[str]]:
        if sid == NO_STREAM:
            return 1, []
        node = entries[sid]
        red = node.color == 0
        assert not (red and parent_red), f"red {node.name} under a red parent"
        left_height, left = walk(node.left, red)
        right_height, right = walk(node.right, red)
        assert left_height == right_height, f"black heights differ under {node.name}"
        return left_height + (not red), [*left, node.name, *right]

    root = entries[top].child
    assert root == NO_STREAM or entries[root].color == 1, "the tree's root is black"
    _, names = walk(root, False)
    keys = [cfb_key(n) for n in names]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    return names


# -- the compound file, read by olefile and by the raw reader

def test_olefile_lists_exactly_the_project_streams_with_their_sizes():
    data = build_vba_project(project())
    ole = open_ole(data)
    assert sorted("/".join(p) for p in ole.listdir()) == [
        "PROJECT", "PROJECTwm", "VBA/Sheet1", "VBA/ThisWorkbook", "VBA/_VBA_PROJECT", "VBA/dir", "VBA/ehxl"]
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    # PROJECTwm: per module, name + NUL + UTF-16 name + NUL NUL, i.e. 3n + 3 bytes, then a 2-byte terminator:
    # ThisWorkbook 3*12+3 = 39, Sheet1 3*6+3 = 21, ehxl 3*4+3 = 15; 39 + 21 + 15 + 2 = 77.
    assert ole.get_size("PROJECTwm") == 77
    assert ole.openstream("PROJECTwm").read() == (
        b"ThisWorkbook\x00" + "ThisWorkbook".encode("utf-16-le") + b"\x00\x00"
        + b"Sheet1\x00" + "Sheet1".encode("utf-16-le") + b"\x00\x00"
        + b"ehxl\x00" + "ehxl".encode("utf-16-le") + b"\x00\x00" + b"\x00\x00")
    assert ole.get_size("VBA/_VBA_PROJECT") == 7
    for path in ("PROJECT", "VBA/dir", "VBA/ThisWorkbook", "VBA/Sheet1", "VBA/ehxl"):
        assert ole.get_size(path) == len(ole.openstream(path).read()) < 4096
    raw = raw_cfb(data)
    assert raw.header["cutoff"] == 4096 and raw.header["dir_count"] == 0
    assert raw.header["first_difat"] == END_OF_CHAIN and raw.header["difat_count"] == 0


def test_streams_under_4096_bytes_live_in_the_mini_stream():
    data = build_vba_project(project())
    raw, ole = raw_cfb(data), open_ole(data)
    root = raw.entries[0]
    assert (root.name, root.kind) == ("Root Entry", 5)
    mini_stream = b"".join(data[512 * (s + 1):512 * (s + 2)] for s in chain(raw.fat, root.start))
    assert root.size % 64 == 0 and len(mini_stream) >= root.size
    for entry in raw.entries:
        if entry.kind == 2:
            assert entry.size < 4096
            read = b"".join(mini_stream[64 * s:64 * (s + 1)] for s in chain(raw.mini_fat, entry.start))
            path = entry.name if entry.name.startswith("PROJECT") else "VBA/" + entry.name
            assert read[:entry.size] == ole.openstream(path).read()
            assert len(chain(raw.mini_fat, entry.start)) == -(-entry.size // 64)


def test_a_module_over_4096_bytes_is_in_the_fat_and_reads_back():
    big = noisy_module("Big", 40_000, seed=1)
    data = build_vba_project([workbook_module(), big, small_module("Small")])
    raw, ole = raw_cfb(data), open_ole(data)
    entry = next(e for e in raw.entries if e.name == "Big")
    assert entry.size >= 4096                           # random hex compresses to about half: ~20 kB
    sectors = chain(raw.fat, entry.start)
    assert len(sectors) == -(-entry.size // 512)
    stored = b"".join(data[512 * (s + 1):512 * (s + 2)] for s in sectors)[:entry.size]
    assert stored == ole.openstream("VBA/Big").read()
    assert decompress_stream(bytearray(stored)) == big.source.encode("cp1252")
    assert olevba_modules(data)["Big.bas"] == big.source
    assert olevba_modules(data)["Small.bas"] == small_module("Small").source


def test_every_sector_is_accounted_for_in_the_fat():
    data = build_vba_project([workbook_module(), noisy_module("Big", 20_000, seed=2), small_module("Small")])
    raw = raw_cfb(data)
    used = [s for s, value in enumerate(raw.fat) if value != FREE]
    assert used == list(range(raw.sectors))             # no hole, nothing beyond the end of the file
    fat_sectors = struct.unpack_from(f"<{raw.header['fat_count']}I", data, 76)
    assert all(raw.fat[s] == FAT_SECTOR for s in fat_sectors)
    reached = set(fat_sectors) | set(raw.dir_sectors) | set(chain(raw.fat, raw.header["first_mini_fat"]))
    reached |= set(chain(raw.fat, raw.entries[0].start))
    for entry in raw.entries:
        if entry.kind == 2 and entry.size >= 4096:
            reached |= set(chain(raw.fat, entry.start))
    assert reached == set(range(raw.sectors))


def test_many_modules_spread_the_directory_fat_and_mini_fat_over_several_sectors():
    modules = [workbook_module(), *(noisy_module(f"Module{i}", 700, seed=i) for i in range(1, 201))]
    data = build_vba_project(modules)
    raw, ole = raw_cfb(data), open_ole(data)
    # 201 modules + Root Entry, VBA, PROJECT, PROJECTwm, _VBA_PROJECT, dir = 207 entries, 4 to a sector: 52.
    assert len(raw.dir_sectors) == 52 and ole.num_fat_sectors >= 2 and ole.num_mini_fat_sectors >= 2
    assert len([e for e in raw.entries if e.kind]) == 207
    found = olevba_modules(data)
    assert set(found) == {"ThisWorkbook.cls", *(f"Module{i}.bas" for i in range(1, 201))}
    assert all(found[f"{m.name}.{'cls' if m.document else 'bas'}"] == m.source for m in modules)
    assert project_modules(data) == [m.name for m in modules]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 31, 64])
def test_each_storage_is_a_red_black_tree_in_cfb_order(count):
    names = ["b", "AB", "aa", "Zeta", "alpha", "ALPHA2", "x1", "Y"] + [f"M{i}" for i in range(count)]
    modules = [small_module(n) for n in names[:count]]
    raw = raw_cfb(build_vba_project(modules))
    assert check_red_black(raw, 0) == ["VBA", "PROJECT", "PROJECTwm"]
    vba = next(e.sid for e in raw.entries if e.name == "VBA" and e.kind == 1)
    under_vba = check_red_black(raw, vba)
    assert sorted(under_vba) == sorted(["_VBA_PROJECT", "dir", *names[:count]])
    for entry in raw.entries:
        assert entry.clsid == bytes(16) and entry.times == (0, 0)
        if entry.kind == 0:
            assert (entry.name, entry.left, entry.right, entry.child, entry.start, entry.size) == (
                "", NO_STREAM, NO_STREAM, NO_STREAM, 0, 0)


def test_cfb_order_puts_shorter_names_first_then_compares_upper_case():
    raw = raw_cfb(build_vba_project([small_module(n) for n in ("b", "AB", "aa", "Zeta", "x1")]))
    vba = next(e.sid for e in raw.entries if e.name == "VBA")
    assert check_red_black(raw, vba) == ["b", "aa", "AB", "x1", "dir", "Zeta", "_VBA_PROJECT"]


# -- the VBA project, read by olevba

def test_olevba_extracts_every_module_with_its_source_and_keeps_attribute_lines():
    modules = project()
    found = olevba_modules(build_vba_project(modules))
    assert found == {"ThisWorkbook.cls": modules[0].source, "Sheet1.cls": modules[1].source,
                     "ehxl.bas": modules[2].source}
    # extract_macros gives the stored text untouched; only filter_vba, for display, drops the Attribute lines
    assert found["ThisWorkbook.cls"] == (
        'Attribute VB_Name = "ThisWorkbook"\r\n'
        'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = True\r\n")
    assert found["Sheet1.cls"].splitlines()[:2] == [
        'Attribute VB_Name = "Sheet1"', 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"']
    assert filter_vba(found["ehxl.bas"]) == "\n".join(found["ehxl.bas"].splitlines()[1:])


def test_the_bas_file_comes_back_exactly():
    text = bas_text()
    code = olevba_modules(build_vba_project([standard_module(text)]))["ehxl.bas"]
    assert code.startswith('Attribute VB_Name = "ehxl"\r\n')
    assert code.replace("\r\n", "\n") == text.replace("\r\n", "\n")
    assert "\n" not in code.replace("\r\n", "")
    assert code.encode("cp1252") == BAS.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_olevba_strict_parser_finds_every_field_where_the_spec_puts_it(caplog):
    caplog.set_level(logging.WARNING, logger="olevba")
    parsed = strict_project(build_vba_project(project()))
    assert caplog.records == []
    assert (parsed.syskind, parsed.lcid, parsed.lcidinvoke, parsed.codepage) == (1, 0x409, 0x409, 1252)
    assert parsed.projectname == "VBAProject" and parsed.docstring == ""
    assert [(m.name, m._name_unicode, m.streamname, m._streamname_unicode, m.docstring, m.textoffset, m.type)
            for m in parsed.modules] == [
        ("ThisWorkbook", "ThisWorkbook", "ThisWorkbook", "ThisWorkbook", "", 0, 0x22),
        ("Sheet1", "Sheet1", "Sheet1", "Sheet1", "", 0, 0x22),
        ("ehxl", "ehxl", "ehxl", "ehxl", "", 0, 0x21)]
    assert parsed.module_ext == {"thisworkbook": "cls", "sheet1": "cls", "ehxl": "bas"}


def test_dir_stream_records_are_the_spec_s_byte_for_byte():
    data = build_vba_project([workbook_module(), small_module("Mod1")])
    got = decompress_stream(bytearray(open_ole(data).openstream("VBA/dir").read()))
    libid = rb"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
    # "*\G" 3 + GUID 38 + "#2.0" 4 + "#0" 2 + "#C:\Windows\System32\stdole2.tlb" 32 + "#OLE Automation" 15 = 94
    assert len(libid) == 94

    def h(text: str) -> bytes:
        return bytes.fromhex(text)

    def module(name: bytes, type_id: str) -> bytes:
        size, wide = struct.pack("<I", len(name)), name.decode().encode("utf-16-le")
        wide_size = struct.pack("<I", len(wide))
        return (h("1900") + size + name + h("4700") + wide_size + wide        # MODULENAME + MODULENAMEUNICODE
                + h("1A00") + size + name + h("3200") + wide_size + wide      # MODULESTREAMNAME, Reserved 0x0032
                + h("1C00 00000000 4800 00000000")                             # MODULEDOCSTRING, Reserved 0x0048
                + h("3100 04000000 00000000")                                  # MODULEOFFSET 0
                + h("1E00 04000000 00000000")                                  # MODULEHELPCONTEXT
                + h("2C00 02000000 FFFF")                                      # MODULECOOKIE
                + h(type_id + "00 00000000")                                   # MODULETYPE
                + h("2B00 00000000"))                                          # terminator

    expected = (
        h("0100 04000000 01000000")                    # PROJECTSYSKIND: 32-bit Windows
        + h("0200 04000000 09040000")                  # PROJECTLCID 0x409
        + h("1400 04000000 09040000")                  # PROJECTLCIDINVOKE 0x409
        + h("0300 02000000 E404")                      # PROJECTCODEPAGE 1252
        + h("0400 0A000000") + b"VBAProject"           # PROJECTNAME
        + h("0500 00000000 4000 00000000")             # PROJECTDOCSTRING + unicode, Reserved 0x0040
        + h("0600 00000000 3D00 00000000")             # PROJECTHELPFILEPATH, both, Reserved 0x003D
        + h("0700 04000000 00000000")                  # PROJECTHELPCONTEXT
        + h("0800 04000000 00000000")                  # PROJECTLIBFLAGS
        + h("0900 04000000 01000000 0000")             # PROJECTVERSION: Reserved 4, major 1, minor 0
        + h("0C00 00000000 3C00 00000000")             # PROJECTCONSTANTS + unicode, Reserved 0x003C
        + h("1600 06000000") + b"stdole" + h("3E00 0C000000") + "stdole".encode("utf-16-le")  # REFERENCENAME
        + h("0D00 68000000 5E000000") + libid + h("00000000 0000")  # REFERENCEREGISTERED: 104 = 4 + 94 + 4 + 2
        + h("0F00 02000000 0200")                      # PROJECTMODULES: 2
        + h("1300 02000000 FFFF")                      # PROJECTCOOKIE
        + module(b"ThisWorkbook", "22") + module(b"Mod1", "21")
        + h("1000 00000000"))                          # dir terminator
    assert got == expected


def test_project_stream_is_the_spec_s_text():
    data = build_vba_project(project())
    text = open_ole(data).openstream("PROJECT").read().decode("cp1252")
    found = re.fullmatch(
        r'ID="(?P<id>\{[^}]*\})"\r\n'
        r"Document=ThisWorkbook/&H00000000\r\n"
        r"Document=Sheet1/&H00000000\r\n"
        r"Module=ehxl\r\n"
        r'Name="VBAProject"\r\n'
        r'HelpContextID="0"\r\n'
        r'VersionCompatible32="393222000"\r\n'
        r'CMG="(?P<cmg>[0-9A-F]{22,28})"\r\n'
        r'DPB="(?P<dpb>[0-9A-F]{16,})"\r\n'
        r'GC="(?P<gc>[0-9A-F]{16,22})"\r\n'
        r"\r\n"
        r"\[Host Extender Info\]\r\n"
        r"&H00000001=\{3832D640-CF90-11CF-8E43-00A0C911005A\};VBE;&H00000000\r\n"
        r"\r\n"
        r"\[Workspace\]\r\n"
        r"ThisWorkbook=0, 0, 0, 0, C\r\n"
        r"Sheet1=0, 0, 0, 0, C\r\n"
        r"ehxl=0, 0, 0, 0, C\r\n", text)
    assert found is not None, text
    assert GUID.fullmatch(found["id"])


def decrypt(hex_text: str) -> tuple[int, int, bytes, bytes]:
    """MS-OVBA 2.4.3.3 decryption: (version, project key, ignored bytes, data)."""
    enc = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = enc[:3]
    plain, enc1, enc2 = seed ^ key_enc, key_enc, version_enc
    out = bytearray()
    for byte_enc in enc[3:]:
        byte = byte_enc ^ ((enc2 + plain) & 0xFF)
        out.append(byte)
        enc2, enc1, plain = enc1, byte_enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", out, ignored)[0]
    assert len(out) == ignored + 4 + length
    return seed ^ version_enc, seed ^ key_enc, bytes(out[:ignored]), bytes(out[ignored + 4:])


def test_decrypt_reads_the_spec_s_own_example():
    # MS-OVBA 3.1.6: ID="{917DED54-440B-4FD1-A5C1-74ACF261E600}" and its CMG, DPB, GC
    key = sum(b"{917DED54-440B-4FD1-A5C1-74ACF261E600}") & 0xFF
    assert decrypt("0705D8E3D8EDDBF1DBF1DBF1DBF1") == (2, key, b"\x07\x07\x07", bytes(4))
    assert decrypt("0E0CD1ECDFF4E7F5E7F5E7") == (2, key, b"\x07\x07\x07", b"\x00")
    assert decrypt("1517CAF1D6F9D7F9D706") == (2, key, b"\x07\x07", b"\xff")


def test_encrypt_gives_the_spec_s_example_for_its_seeds():
    project_id = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert encrypt(project_id, bytes(4), 0x07).hex().upper() == "0705D8E3D8EDDBF1DBF1DBF1DBF1"
    assert encrypt(project_id, b"\x00", 0x0E).hex().upper() == "0E0CD1ECDFF4E7F5E7F5E7"
    assert encrypt(project_id, b"\xff", 0x15).hex().upper() == "1517CAF1D6F9D7F9D706"


def test_protection_values_say_unprotected_no_password_visible():
    text = open_ole(build_vba_project(project())).openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(ID|CMG|DPB|GC)="([^"]*)"\r$', text, re.M))
    key = sum(values["ID"].encode("ascii")) & 0xFF
    (cmg_version, cmg_key, _, cmg), (dpb_version, dpb_key, _, dpb), (gc_version, gc_key, _, gc) = (
        decrypt(values[k]) for k in ("CMG", "DPB", "GC"))
    assert (cmg_version, dpb_version, gc_version) == (2, 2, 2)
    assert cmg_key == dpb_key == gc_key == key
    assert (cmg, dpb, gc) == (b"\x00\x00\x00\x00", b"\x00", b"\xff")


# -- determinism

def test_same_input_gives_the_same_bytes_and_project_id():
    first, second = build_vba_project(project()), build_vba_project(project())
    assert first == second

    def project_id(data: bytes) -> str:
        return re.search(rb'ID="([^"]*)"', open_ole(data).openstream("PROJECT").read()).group(1).decode()

    assert project_id(first) == project_id(second)
    assert GUID.fullmatch(project_id(first))
    assert project_id(build_vba_project([workbook_module(), small_module("Other")])) != project_id(first)
    assert project_id(build_vba_project(project(), project_name="Planner")) != project_id(first)


# -- compression

def _random(n: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def _half_compressible(n: int) -> bytes:
    """Text with short repeats everywhere, so copy tokens fall at every chunk's end."""
    return noisy_module("Noise", n, seed=1).source.encode("cp1252")


@pytest.mark.parametrize("data", [
    b"", b"x", _random(4096), _random(4097), _random(10_000), _random(4000), _random(8192 + 3700),
    b"Debug.Print 1234\r\n" * 1000, b"A" * 10_000, b"abc" * 5000, _half_compressible(45_000),
    BAS.read_bytes(),
], ids=["empty", "1 byte", "4096", "4097", "10000", "4000 random", "two chunks + 3700 random",
        "repetitive text", "one letter", "abc", "half compressible, 11 chunks", "ehxl.bas"])
def test_olevba_decompresses_what_compress_writes(data):
    assert decompress_stream(bytearray(compress(data))) == data


def test_compression_sizes_worked_by_hand():
    assert compress(b"") == b"\x01"                                 # the signature byte alone
    # one byte: header 0xB000 | (size 4 - 3), flag byte 0, the literal
    assert compress(b"x") == bytes.fromhex("01 01B0 00") + b"x"
    # 4096 random bytes do not shrink: a raw chunk, header 0x3FFF, then the bytes as they are
    assert compress(_random(4096)) == b"\x01" + bytes.fromhex("FF3F") + _random(4096)
    # 4097: the raw chunk, then a chunk of one literal (2 + 1 + 1 bytes)
    assert len(compress(_random(4097))) == 1 + 4098 + 4
    # "A" * 10000: each chunk is a literal "A" then one copy token (offset 1, bit count 4) for the rest:
    # length 4095 -> token 4095 - 3 = 0x0FFC; the last chunk holds 1808 bytes -> 1807 - 3 = 0x070C.
    chunk = bytes.fromhex("03B0 02 41 FC0F")                     # header 0xB000 | (6 - 3), flags 0b10
    assert compress(b"A" * 10_000) == b"\x01" + chunk + chunk + bytes.fromhex("03B0 02 41 0C07")


def test_repetitive_text_compresses_far_below_its_size():
    text = b"Debug.Print 1234\r\n" * 1000               # 18 000 bytes: 4 full chunks and one of 1616
    # Per chunk at most: 18 literals, then copy tokens at offset 18 each covering 18 bytes or more (the
    # smallest maximum length, at bit count 12, is 15 + 3): ceil(4078 / 18) = 227 of them, and a tail under
    # 3 bytes is 2 literals. 247 tokens of 2 bytes at most, ceil(247 / 8) = 31 flag bytes, a 2-byte header:
    # 494 + 31 + 2 = 527 bytes a chunk.
    assert len(compress(text)) <= 1 + 5 * 527
    assert len(compress(text)) < len(text) // 7


def test_ehxl_bas_is_stored_compressed():
    stored = open_ole(build_vba_project(project())).openstream("VBA/ehxl").read()
    assert len(stored) < 0.8 * len(BAS.read_bytes())
    assert stored[0] == 1 and stored[2] & 0xF0 == 0xB0   # signature, and a compressed (not raw) chunk


# -- reading a project back

def test_project_modules_lists_the_modules_of_a_built_project():
    assert project_modules(build_vba_project(project())) == ["ThisWorkbook", "Sheet1", "ehxl"]


def test_project_modules_reads_a_project_excel_wrote():
    xlwings = pytest.importorskip("xlwings")
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as z:
        data = z.read("xl/vbaProject.bin")
    names = [f.rsplit(".", 1)[0] for f in olevba_modules(data)]
    assert project_modules(data) == names and "ThisWorkbook" in names
    ole = open_ole(data)
    for stream in ("PROJECT", "PROJECTwm"):
        assert read_root_stream(data, stream) == ole.openstream(stream).read()


def test_project_modules_refuses_what_is_not_a_compound_file():
    with pytest.raises(ValueError, match="not a VBA project"):
        project_modules(b"PK\x03\x04 not an OLE file")


# -- bad input

def test_a_character_outside_code_page_1252_is_refused_naming_the_module():
    with pytest.raises(ValueError, match=r'module "Tick": line 3 has .* \(U\+2713\).*code page 1252'):
        standard_module('Attribute VB_Name = "Tick"\nSub T()\n    MsgBox "\u2713"\nEnd Sub\n')
    assert "\u20ac" in standard_module('Attribute VB_Name = "Euro"\n\' costs \u20ac5\n').source  # in cp1252


@pytest.mark.parametrize("name", ["", "1st", "two words", "a-b", "_hidden", "Caf\u00e9", "x" * 32, "Sheet1!"])
def test_a_name_vba_would_not_accept_is_refused(name):
    with pytest.raises(ValueError, match="not a VBA identifier|at most 31"):
        sheet_module(name)
    with pytest.raises(ValueError, match="not a VBA identifier|at most 31"):
        standard_module(f'Attribute VB_Name = "{name}"\n')


def test_a_31_character_name_is_accepted():
    name = "A" * 31
    assert olevba_modules(build_vba_project([small_module(name)]))[f"{name}.bas"].startswith(
        f'Attribute VB_Name = "{name}"')


def test_duplicate_names_are_refused_ignoring_case():
    with pytest.raises(ValueError, match=r'modules "Helpers" and "HELPERS" have the same name'):
        build_vba_project([small_module("Helpers"), small_module("HELPERS")])
    with pytest.raises(ValueError, match='"Sheet1" and "sheet1"'):
        build_vba_project([sheet_module("Sheet1"), small_module("sheet1")])


def test_names_that_clash_with_the_project_or_its_streams_are_refused():
    with pytest.raises(ValueError, match="same name as the project"):
        build_vba_project([small_module("VBAProject")])
    with pytest.raises(ValueError, match='"dir" stream'):
        build_vba_project([small_module("Dir")])
    with pytest.raises(ValueError, match="project name"):
        build_vba_project([small_module("Fine")], project_name="My Project")


def test_source_must_begin_with_its_own_vb_name():
    with pytest.raises(ValueError, match="must begin with the line Attribute VB_Name"):
        standard_module("Sub NoName()\nEnd Sub\n")
    with pytest.raises(ValueError, match=r'module "Right".*Attribute VB_Name = "Right"'):
        Module("Right", 'Attribute VB_Name = "Wrong"\r\n')


# -- decompression, and adding ehxl's module to a workbook's own project

def excel_project() -> bytes:
    """A vbaProject.bin Excel wrote: xlwings ships it in its quickstart workbook."""
    xlwings = pytest.importorskip("xlwings")
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as z:
        return z.read("xl/vbaProject.bin")


def streams(data: bytes) -> dict[str, bytes]:
    ole = open_ole(data)
    return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


@pytest.mark.parametrize("data", [b"", b"x", _random(4096), _random(4097), b"A" * 10_000, b"abc" * 5000,
                                  _half_compressible(45_000), BAS.read_bytes()],
                         ids=["empty", "1 byte", "raw chunk", "raw + 1", "one letter", "abc", "11 chunks", "bas"])
def test_decompress_reads_back_what_compress_writes(data):
    assert decompress(compress(data)) == data


def test_decompress_reads_excel_s_streams_as_olevba_does():
    for name, data in streams(excel_project()).items():
        if name == "VBA/dir":
            assert decompress(data) == decompress_stream(bytearray(data))


def test_adding_a_module_keeps_every_other_stream_and_module_of_an_excel_project():
    original = excel_project()
    merged = add_module(original, standard_module(bas_text()))
    before, after = streams(original), streams(merged)
    changed = {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"}
    cached = {n for n in before if re.fullmatch(r"VBA/__SRP_\d+", n)}
    assert set(after) == (set(before) - cached) | {"VBA/ehxl"}
    for name in set(before) - cached - changed:
        assert after[name] == before[name], name                 # each module's compiled code and source
    assert after["VBA/_VBA_PROJECT"] == bytes.fromhex("CC61FFFF000000")    # no cache: Office recompiles
    kept, now = olevba_modules(original), olevba_modules(merged)
    assert {n: now[n] for n in kept} == kept
    assert now["ehxl.bas"].replace("\r\n", "\n") == bas_text().replace("\r\n", "\n")
    strict_project(merged)                                        # olevba's strict parser reads the new dir
    assert project_modules(merged) == project_modules(original) + ["ehxl"]


def test_the_module_s_lines_go_where_the_spec_lists_modules():
    original = excel_project()
    merged = add_module(original, small_module("Extra"))
    old_lines = streams(original)["PROJECT"].split(b"\r\n")
    new_lines = streams(merged)["PROJECT"].split(b"\r\n")
    last = max(i for i, line in enumerate(old_lines) if line.startswith((b"Document=", b"Module=")))
    assert new_lines == old_lines[:last + 1] + [b"Module=Extra"] + old_lines[last + 1:]
    old_wm = streams(original)["PROJECTwm"]
    assert streams(merged)["PROJECTwm"] == old_wm[:-2] + b"Extra\x00" + "Extra".encode("utf-16-le") + bytes(4)


def test_the_dir_stream_counts_the_new_module():
    merged = add_module(build_vba_project(project()), small_module("Extra"))
    raw = decompress(streams(merged)["VBA/dir"])
    at = raw.index(struct.pack("<HIH", 0x000F, 2, 4))               # PROJECTMODULES: 3 modules became 4
    assert struct.unpack_from("<H", raw, at + 6)[0] == 4
    assert raw.endswith(struct.pack("<HI", 0x002B, 0) + struct.pack("<HI", 0x0010, 0))
    assert [m.rsplit(".", 1)[0] for m in olevba_modules(merged)] == ["ThisWorkbook", "Sheet1", "ehxl", "Extra"]


def test_a_form_s_storage_keeps_its_class_id():
    form_clsid = bytes.fromhex("F0692AC6DC16CE119E9800AA00574A4F")       # a VBA form's, as stored (little end)
    ole = open_ole(build_vba_project(project()))
    tree: dict = {"UserForm1": {"f": b"form data", "o": b"", "\x03VBFrame": b"frame text"}}
    for path in ole.listdir():
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = ole.openstream(path).read()
    with_form = compound_file(tree, {("UserForm1",): form_clsid})
    merged = open_ole(add_module(with_form, small_module("Extra")))
    assert merged.getclsid("UserForm1") == open_ole(with_form).getclsid("UserForm1") == \
        "C62A69F0-16DC-11CE-9E98-00AA00574A4F"
    assert merged.openstream("UserForm1/\x03VBFrame").read() == b"frame text"


def _with_project_line(data: bytes, key: bytes, value: bytes) -> bytes:
    ole = open_ole(data)
    tree: dict = {}
    for path in ole.listdir():
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = ole.openstream(path).read()
    tree["PROJECT"] = b"\r\n".join(key + b'="' + value + b'"' if line.startswith(key + b"=") else line
                                     for line in tree["PROJECT"].split(b"\r\n"))
    return compound_file(tree)


def test_a_project_locked_with_a_password_is_refused():
    built = build_vba_project(project())
    project_id = re.search(rb'ID="(\{[^}]+\})"', streams(built)["PROJECT"]).group(1).decode()
    password_hash = b"\xff" + bytes(28)                                # a 29-byte PasswordHash, as Excel stores
    locked = _with_project_line(built, b"DPB", encrypt(project_id, password_hash, 0x0E).hex().upper().encode())
    with pytest.raises(ValueError, match="locked with a password"):
        add_module(locked, small_module("Extra"))
    hidden = _with_project_line(built, b"GC", encrypt(project_id, b"\x00", 0x15).hex().upper().encode())
    with pytest.raises(ValueError, match="locked with a password"):
        add_module(hidden, small_module("Extra"))


def test_a_module_of_the_same_name_is_refused():
    with pytest.raises(ValueError, match='already has a module or stream named "ehxl"'):
        add_module(build_vba_project(project()), standard_module(bas_text()))
    with pytest.raises(ValueError, match='named "EHXL"'):
        add_module(build_vba_project(project()), small_module("EHXL"))


def test_what_is_not_a_project_is_refused():
    with pytest.raises(ValueError, match="not a readable compound file"):
        add_module(b"PK\x03\x04 not an OLE file", small_module("Extra"))
