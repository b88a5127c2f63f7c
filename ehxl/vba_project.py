"""Write an Excel VBA project (``xl/vbaProject.bin``) from module source text, or add a module to one.

The project follows [MS-OVBA] inside a version 3 compound file ([MS-CFB]).
It carries no performance cache: ``_VBA_PROJECT`` is the seven bytes the
spec says a writer produces and every module's source starts at offset 0, so
Office compiles the source when it opens the workbook.  That is what lets a
macro-enabled workbook be built reproducibly from ``macros/ehxl.bas`` instead
of shipping a binary of unknown origin.

Fixed choices (all as Excel or the spec write them):

* SysKind 1 (32-bit Windows).  Excel writes 1 from 32-bit Office and 3 from
  64-bit Office; 1 is the value every VBA version reads (3 only exists from
  VBA 7, Office 2010), it is what LibreOffice writes in the projects it
  exports to Excel, and with no compiled cache the platform binds nothing:
  each Office recompiles for itself.
* Code page 1252 and LCID 0x409, as the spec requires of the LCID records.
* One reference, to stdole (OLE Automation), which every project Excel makes has;
  the VBA and Excel libraries are implicit.
* The PROJECT stream's protection values are those of an unprotected,
  visible project, obfuscated with fixed seeds so a build is reproducible.

:func:`add_module` puts a module into a project someone else wrote (a
workbook's own macros): olefile reads the compound file, everything in it is
copied, and only the streams that list the modules are rewritten.
"""
from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

CODE_PAGE = 1252
ENCODING = "cp1252"
LCID = 0x0409
SYS_KIND = 1
PROJECT_VERSION = (1, 0)                         # PROJECTVERSION VersionMajor, VersionMinor
MAX_MODULE_NAME = 31                             # VBA's limit, and CFB's for a stream name
MAX_PROJECT_NAME = 128                           # PROJECTNAME's SizeOfProjectName

VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000000")
STDOLE_LIBID = r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"

#: (PROJECT key, data, seed) for MS-OVBA 2.3.1.15-17: not protected, no password, visible.
PROTECTION = (("CMG", bytes(4), 0x37), ("DPB", b"\x00", 0x5B), ("GC", b"\xff", 0x94))

_IGNORED_BYTE = b"\x07"                           # the padding Office writes (MS-OVBA 3.1.6's example)
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ehxl:vba-project")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_VB_NAME = re.compile(r'Attribute VB_Name = "([^"]*)"')
_VB_NAME_LINE = re.compile(r'\AAttribute VB_Name = "([^"\r\n]*)"\r?(?:\n|\Z)')
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Module:
    """One VBA module as the project stores it."""

    name: str                 # VBA name, e.g. "ehxl", "ThisWorkbook", "Sheet1"
    source: str               # the module text as stored, beginning with its Attribute lines
    document: bool = False    # True for ThisWorkbook / sheet modules (MODULETYPE 0x0022), else procedural (0x0021)

    def __post_init__(self) -> None:
        _check_identifier(self.name, "module name", MAX_MODULE_NAME)
        found = _VB_NAME_LINE.match(self.source)
        if found is None or found.group(1) != self.name:
            raise ValueError(f'module "{self.name}": its source must begin with the line '
                             f'Attribute VB_Name = "{self.name}", which names the module inside VBA')
        encode(self.source, f'module "{self.name}"')


def standard_module(bas_text: str) -> Module:
    """A procedural module from the text of an exported .bas file.

    The name comes from its ``Attribute VB_Name = "..."`` line; line endings
    are normalised to CRLF, as VBA stores them.
    """
    text = _NEWLINE.sub("\r\n", bas_text.removeprefix("\ufeff"))
    found = _VB_NAME.match(text)
    if found is None:
        raise ValueError('a .bas file must begin with the line Attribute VB_Name = "<name>", '
                         "as the VBA editor writes when it exports a module")
    return Module(found.group(1), text)


def workbook_module(name: str = "ThisWorkbook") -> Module:
    """The workbook's document module, with the Attribute lines Excel writes for it."""
    return Module(name, _document_source(name, WORKBOOK_BASE), document=True)


def sheet_module(name: str) -> Module:
    """A worksheet's document module, with the Attribute lines Excel writes for it."""
    return Module(name, _document_source(name, SHEET_BASE), document=True)


def _document_source(name: str, base: str) -> str:
    lines = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"',
             "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
             "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
             "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True"]
    return "".join(line + "\r\n" for line in lines)


def build_vba_project(modules: Sequence[Module], *, project_name: str = "VBAProject") -> bytes:
    """The bytes of vbaProject.bin.

    Deterministic: the same input gives the same bytes (a project GUID derived
    from the project and module names, fixed seeds for the data encryption,
    zero timestamps and CLSIDs).
    """
    modules = tuple(modules)
    _check_project(modules, project_name)
    guid = project_guid(project_name, [m.name for m in modules])
    vba: dict[str, bytes | dict] = {"_VBA_PROJECT": VBA_PROJECT_STREAM,
                                    "dir": compress(dir_stream(modules, project_name))}
    vba.update((m.name, compress(encode(m.source, f'module "{m.name}"'))) for m in modules)
    return compound_file({"PROJECT": project_stream(modules, project_name, guid),
                          "PROJECTwm": projectwm_stream(modules), "VBA": vba})


def _check_project(modules: Sequence[Module], project_name: str) -> None:
    """Refuse what VBA would refuse when it loads the project: clashing or unusable names."""
    _check_identifier(project_name, "project name", MAX_PROJECT_NAME)
    seen: dict[str, str] = {}
    for m in modules:
        key = m.name.casefold()
        if key in seen:
            raise ValueError(f'modules "{seen[key]}" and "{m.name}" have the same name '
                             "(VBA names ignore case)")
        if key == project_name.casefold():
            raise ValueError(f'module "{m.name}" has the same name as the project; VBA refuses that')
        if key == "dir":
            raise ValueError(f'module "{m.name}" would clash with the VBA storage\'s "dir" stream; '
                             "give the module another name")
        seen[key] = m.name


def _check_identifier(name: str, what: str, limit: int) -> None:
    if not isinstance(name, str) or _IDENTIFIER.fullmatch(name) is None:
        raise ValueError(f"{what} {name!r} is not a VBA identifier: it must start with a letter "
                         "and hold only letters, digits and underscores")
    if len(name) > limit:
        raise ValueError(f"{what} {name!r} is {len(name)} characters long; VBA allows at most {limit}")


def encode(text: str, owner: str) -> bytes:
    """Text in the project's code page; ``owner`` names what is refused, for the error."""
    try:
        return text.encode(ENCODING)
    except UnicodeEncodeError as exc:
        char = text[exc.start]
        line = text.count("\n", 0, exc.start) + 1
        raise ValueError(f"{owner}: line {line} has {char!r} (U+{ord(char):04X}), which code page "
                         f"{CODE_PAGE} cannot hold; VBA stores source in the project's code page") from None


def project_guid(project_name: str, module_names: Sequence[str]) -> str:
    """The project's ID, fixed by its names so that a rebuild gives the same bytes."""
    value = uuid.uuid5(_NAMESPACE, "/".join([project_name, *module_names]))
    return "{" + str(value).upper() + "}"


# -- PROJECT and PROJECTwm streams (MS-OVBA 2.3.1, 2.3.3)

def project_stream(modules: Sequence[Module], project_name: str, guid: str) -> bytes:
    """The PROJECT stream: the project's properties as text, which Office reads first."""
    lines = [f'ID="{guid}"']
    lines += [f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}" for m in modules]
    lines += [f'Name="{project_name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"']
    lines += [f'{key}="{encrypt(guid, data, seed).hex().upper()}"' for key, data, seed in PROTECTION]
    lines += ["", "[Host Extender Info]", HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return encode("".join(line + "\r\n" for line in lines), "PROJECT stream")


def projectwm_stream(modules: Sequence[Module]) -> bytes:
    """The PROJECTwm stream: each module name in the code page and in UTF-16, null-terminated."""
    names = b"".join(encode(m.name, "module name") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
                     for m in modules)
    return names + b"\x00\x00"


def encrypt(project_id: str, data: bytes, seed: int) -> bytes:
    """MS-OVBA 2.4.3.2 data encryption, the obfuscation of CMG, DPB and GC, keyed by the project ID."""
    key = sum(project_id.encode(ENCODING)) & 0xFF
    version_enc, key_enc = seed ^ 2, seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    plain, enc1, enc2 = key, key_enc, version_enc
    for byte in _IGNORED_BYTE * ((seed & 6) // 2) + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((enc2 + plain) & 0xFF)
        out.append(enc)
        plain, enc1, enc2 = byte, enc, enc1
    return bytes(out)


# -- dir stream (MS-OVBA 2.3.4.2), before compression

def dir_stream(modules: Sequence[Module], project_name: str) -> bytes:
    """The dir stream's records: the project's information, its references and its modules."""
    information = [
        _record(0x0001, _u32(SYS_KIND)),                     # PROJECTSYSKIND
        _record(0x0002, _u32(LCID)),                         # PROJECTLCID
        _record(0x0014, _u32(LCID)),                         # PROJECTLCIDINVOKE
        _record(0x0003, _u16(CODE_PAGE)),                    # PROJECTCODEPAGE
        _record(0x0004, encode(project_name, "project name")),  # PROJECTNAME
        _text_record(0x0005, 0x0040, ""),                    # PROJECTDOCSTRING
        _record(0x0006, b"") + _record(0x003D, b""),         # PROJECTHELPFILEPATH: twice in the code page
        _record(0x0007, _u32(0)),                            # PROJECTHELPCONTEXT
        _record(0x0008, _u32(0)),                            # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, *PROJECT_VERSION),   # PROJECTVERSION: its "size" is Reserved = 4
        _text_record(0x000C, 0x003C, ""),                    # PROJECTCONSTANTS
    ]
    references = [_text_record(0x0016, 0x003E, "stdole"), _registered_reference(STDOLE_LIBID)]
    header = [_record(0x000F, _u16(len(modules))), _record(0x0013, _u16(0xFFFF))]  # PROJECTMODULES, PROJECTCOOKIE
    return b"".join([*information, *references, *header, *map(_module_record, modules),
                     struct.pack("<HI", 0x0010, 0)])


def _module_record(module: Module) -> bytes:
    return b"".join([
        _text_record(0x0019, 0x0047, module.name),           # MODULENAME, MODULENAMEUNICODE
        _text_record(0x001A, 0x0032, module.name),           # MODULESTREAMNAME
        _text_record(0x001C, 0x0048, ""),                    # MODULEDOCSTRING
        _record(0x0031, _u32(0)),                            # MODULEOFFSET: no performance cache before the source
        _record(0x001E, _u32(0)),                            # MODULEHELPCONTEXT
        _record(0x002C, _u16(0xFFFF)),                       # MODULECOOKIE
        struct.pack("<HI", 0x0022 if module.document else 0x0021, 0),  # MODULETYPE
        struct.pack("<HI", 0x002B, 0),                       # terminator
    ])


def _registered_reference(libid: str) -> bytes:
    data = encode(libid, "reference")
    return struct.pack("<HII", 0x000D, len(data) + 10, len(data)) + data + struct.pack("<IH", 0, 0)


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text_record(record_id: int, unicode_id: int, text: str) -> bytes:
    """A string held twice, in the code page and in UTF-16, as most dir records hold them."""
    return _record(record_id, encode(text, "dir record")) + _record(unicode_id, text.encode("utf-16-le"))


def _u16(value: int) -> bytes:
    return struct.pack("<H", value)


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


# -- compression (MS-OVBA 2.4.1)

CHUNK = 4096
_SAFE_PARTIAL = 3640          # literals only, 3640 bytes need 3640 + 455 flag bytes: still one chunk
_MAX_CANDIDATES = 256


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 compression: a CompressedContainer of chunks with copy tokens.

    A chunk that does not shrink is stored raw, as the spec says; only a full
    chunk can be (a raw chunk always holds 4096 bytes), so a short last chunk
    that does not shrink is split into two compressed chunks, which the
    spec's decompression reads as it reads any chunk.
    """
    out = bytearray(b"\x01")
    start = 0
    while start < len(data):
        end = min(start + CHUNK, len(data))
        body = _compress_chunk(data, start, end)
        if len(body) > CHUNK and end - start == CHUNK:
            out += _u16(0x3000 | (CHUNK - 1)) + data[start:end]
        else:
            if len(body) > CHUNK:
                end = start + _SAFE_PARTIAL
                body = _compress_chunk(data, start, end)
            out += _u16(0xB000 | (len(body) - 1)) + body
        start = end
    return bytes(out)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """The token sequences of one chunk (without its header)."""
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = start
    while pos < end:
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            length, offset, bits = _match(data, start, pos, end, seen)
            if length:
                out += _u16(((offset - 1) << (16 - bits)) | (length - 3))
                out[flag_at] |= 1 << bit
            else:
                out.append(data[pos])
                length = 1
            for p in range(pos, min(pos + length, end - 2)):
                seen.setdefault(data[p:p + 3], []).append(p)
            pos += length
    return bytes(out)


def _match(data: bytes, start: int, pos: int, end: int, seen: dict[bytes, list[int]]) -> tuple[int, int, int]:
    """The longest earlier copy of the bytes at ``pos`` in this chunk: (length, offset, offset bit count)."""
    bits = max((pos - start - 1).bit_length(), 4)
    limit = min((0xFFFF >> bits) + 3, end - pos)
    if limit < 3:
        return 0, 0, bits
    best = best_at = 0
    for candidate in reversed(seen.get(data[pos:pos + 3], [])[-_MAX_CANDIDATES:]):
        n = 3
        while n < limit and data[candidate + n] == data[pos + n]:
            n += 1
        if n > best:
            best, best_at = n, candidate
            if n == limit:
                break
    return (best, pos - best_at, bits) if best >= 3 else (0, 0, bits)


def decompress(container: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1 decompression, the inverse of :func:`compress`."""
    if not container or container[0] != 1:
        raise ValueError("not a compressed VBA stream (its first byte is not 1)")
    out, pos = bytearray(), 1
    while pos + 2 <= len(container):
        header = int.from_bytes(container[pos:pos + 2], "little")
        end = min(pos + (header & 0x0FFF) + 3, len(container))
        pos += 2
        if not header & 0x8000:                                  # a raw chunk: 4096 bytes as they are
            out += container[pos:pos + CHUNK]
            pos += CHUNK
            continue
        start = len(out)
        while pos < end:
            flags, pos = container[pos], pos + 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                token = int.from_bytes(container[pos:pos + 2], "little")
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                offset, length = (token >> (16 - bits)) + 1, (token & (0xFFFF >> bits)) + 3
                if offset > len(out) - start:
                    raise ValueError("a damaged compressed VBA stream (a copy reaches before its chunk)")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


# -- compound file (MS-CFB, version 3)

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_HEADER_FAT_SLOTS = 109
_UNUSED_ENTRY = bytes(66) + struct.pack("<BBIII", 0, 0, NO_STREAM, NO_STREAM, NO_STREAM) + bytes(48)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    color: int = BLACK
    start: int = END_OF_CHAIN
    size: int = 0
    clsid: bytes = bytes(16)

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\x00\x00"
        start, size = (self.start, self.size) if self.kind != STORAGE else (0, 0)
        return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), self.kind, self.color, self.left,
                           self.right, self.child, self.clsid, 0, 0, 0, start, size)


def cfb_order(name: str) -> tuple[int, str]:
    """MS-CFB's order of names in a storage: shorter first, then by upper-case UTF-16 code points."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


def compound_file(tree: dict[str, bytes | dict], clsids: dict[tuple[str, ...], bytes] | None = None) -> bytes:
    """A compound file holding ``tree`` (name to bytes for a stream, to a dict for a storage) under its root.

    ``clsids`` gives the class id of the root (key ``()``) and of storages (by
    their path), as a project's forms need theirs kept; others are zero.
    """
    clsids = clsids or {}
    entries = [_Entry("Root Entry", ROOT, clsid=clsids.get((), bytes(16)))]
    _add_children(entries, 0, tree, (), clsids)
    mini, mini_fat = _place_small_streams(entries)
    large = [e for e in entries if e.kind == STREAM and e.size >= MINI_CUTOFF]
    dir_sectors = _ceil(len(entries), SECTOR // 128)
    mini_fat_sectors = _ceil(len(mini_fat), SECTOR // 4)
    mini_sectors = _ceil(len(mini), SECTOR)
    body = dir_sectors + mini_fat_sectors + mini_sectors + sum(_ceil(e.size, SECTOR) for e in large)
    fat_sectors = _ceil(body, SECTOR // 4 - 1)         # each FAT sector also maps itself
    if fat_sectors > _HEADER_FAT_SLOTS:
        raise ValueError("the VBA project is too large for a compound file without DIFAT sectors (about 6.8 MB)")
    fat = [FAT_SECTOR] * fat_sectors
    first_dir = _allocate(fat, dir_sectors)
    first_mini_fat = _allocate(fat, mini_fat_sectors) if mini_fat_sectors else END_OF_CHAIN
    entries[0].start, entries[0].size = (_allocate(fat, mini_sectors), len(mini)) if mini else (END_OF_CHAIN, 0)
    for e in large:
        e.start = _allocate(fat, _ceil(e.size, SECTOR))
    header = _header(fat_sectors, first_dir, first_mini_fat, mini_fat_sectors)
    directory = b"".join(e.pack() for e in entries) + _UNUSED_ENTRY * (dir_sectors * 4 - len(entries))
    parts = [header, _table(fat, fat_sectors), directory, _table(mini_fat, mini_fat_sectors),
             _pad(bytes(mini), SECTOR), *(_pad(e.data, SECTOR) for e in large)]
    return b"".join(parts)


def _add_children(entries: list[_Entry], parent: int, tree: dict[str, bytes | dict], path: tuple[str, ...],
                  clsids: dict[tuple[str, ...], bytes]) -> None:
    ids = []
    for name in sorted(tree, key=cfb_order):
        content = tree[name]
        ids.append(len(entries))
        if isinstance(content, dict):
            entries.append(_Entry(name, STORAGE, clsid=clsids.get((*path, name), bytes(16))))
            _add_children(entries, ids[-1], content, (*path, name), clsids)
        else:
            entries.append(_Entry(name, STREAM, bytes(content), size=len(content)))
    entries[parent].child = _link(entries, ids)


def _link(entries: list[_Entry], ids: list[int]) -> int:
    """A red-black tree of ``ids`` (already in CFB order): balanced, its last incomplete level red."""
    complete = (len(ids) + 1).bit_length() - 1

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NO_STREAM
        mid = (lo + hi) // 2
        entry = entries[ids[mid]]
        entry.left, entry.right = build(lo, mid, depth + 1), build(mid + 1, hi, depth + 1)
        entry.color = RED if depth >= complete else BLACK
        return ids[mid]

    return build(0, len(ids), 0)


def _place_small_streams(entries: list[_Entry]) -> tuple[bytearray, list[int]]:
    """Put each stream under the cutoff in the mini stream: its bytes and its mini FAT."""
    mini, mini_fat = bytearray(), []
    for e in entries:
        if e.kind == STREAM and 0 < e.size < MINI_CUTOFF:
            e.start = len(mini_fat)
            _allocate(mini_fat, _ceil(e.size, MINI_SECTOR))
            mini += _pad(e.data, MINI_SECTOR)
    return mini, mini_fat


def _allocate(table: list[int], count: int) -> int:
    """Append a chain of ``count`` consecutive sectors to an allocation table; its first sector."""
    first = len(table)
    table.extend(range(first + 1, first + count))
    table.append(END_OF_CHAIN)
    return first


def _header(fat_sectors: int, first_dir: int, first_mini_fat: int, mini_fat_sectors: int) -> bytes:
    fat_slots = list(range(fat_sectors)) + [FREE] * (_HEADER_FAT_SLOTS - fat_sectors)
    return struct.pack("<8s16sHHHHH6sIIIIIIIII109I", SIGNATURE, bytes(16), 0x003E, 3, 0xFFFE, 9, 6, bytes(6),
                       0, fat_sectors, first_dir, 0, MINI_CUTOFF, first_mini_fat, mini_fat_sectors,
                       END_OF_CHAIN, 0, *fat_slots)


def _table(table: list[int], sectors: int) -> bytes:
    slots = sectors * SECTOR // 4
    return struct.pack(f"<{slots}I", *table, *[FREE] * (slots - len(table)))


def _pad(data: bytes, unit: int) -> bytes:
    return data + bytes(-len(data) % unit)


def _ceil(n: int, unit: int) -> int:
    return -(-n // unit)


# -- reading back an existing project

def project_modules(data: bytes) -> list[str]:
    """The names of the modules a vbaProject.bin holds, from its PROJECT stream (any writer's, Excel's too)."""
    text = read_root_stream(data, "PROJECT").decode(ENCODING, errors="replace")
    names = []
    for line in _NEWLINE.split(text):
        if line.startswith("["):
            break
        key, _, value = line.partition("=")
        if key in ("Module", "Class", "BaseClass"):
            names.append(value)
        elif key == "Document":
            names.append(value.split("/", 1)[0])
    return names


def read_root_stream(data: bytes, name: str) -> bytes:
    """One stream directly under a compound file's root storage (any sector size, DIFAT or not)."""
    if data[:8] != SIGNATURE:
        raise ValueError("not a VBA project: the compound-file signature is missing")
    major, _, shift, mini_shift = struct.unpack_from("<HHHH", data, 26)
    size = 1 << shift
    (_, fat_count, first_dir, _, cutoff, first_mini_fat, _, first_difat, difat_count) = \
        struct.unpack_from("<9I", data, 40)

    def sector(i: int) -> bytes:
        return data[(i + 1) * size:(i + 2) * size]

    fat_ids = list(struct.unpack_from("<109I", data, 76))
    current = first_difat
    for _ in range(difat_count):
        slots = _u32s(sector(current))
        fat_ids += slots[:-1]
        current = slots[-1]
    fat = _u32s(b"".join(sector(s) for s in fat_ids[:fat_count]))
    directory = b"".join(sector(s) for s in _chain(fat, first_dir))
    entries = [_read_entry(directory, offset, major) for offset in range(0, len(directory) - 127, 128)]
    found = _find_child(entries, entries[0][4], name)
    start, length = entries[found][5], entries[found][6]
    if length >= cutoff:
        return b"".join(sector(s) for s in _chain(fat, start))[:length]
    mini_size = 1 << mini_shift
    mini = b"".join(sector(s) for s in _chain(fat, entries[0][5]))
    mini_fat = _u32s(b"".join(sector(s) for s in _chain(fat, first_mini_fat)))
    return b"".join(mini[s * mini_size:(s + 1) * mini_size] for s in _chain(mini_fat, start))[:length]


def _read_entry(directory: bytes, offset: int, major: int) -> tuple[str, int, int, int, int, int, int]:
    raw_name, name_len, kind, _, left, right, child = struct.unpack_from("<64sHBBIII", directory, offset)
    start, length = struct.unpack_from("<IQ", directory, offset + 116)
    if major == 3:
        length &= 0xFFFFFFFF
    name = raw_name[:max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
    return name, kind, left, right, child, start, length


def _find_child(entries: list[tuple], first: int, name: str) -> int:
    pending, visited = [first], set()
    while pending:
        current = pending.pop()
        if current == NO_STREAM or current in visited or current >= len(entries):
            continue
        visited.add(current)
        entry = entries[current]
        if entry[1] == STREAM and entry[0].upper() == name.upper():
            return current
        pending += [entry[2], entry[3]]
    raise ValueError(f"not a VBA project: it has no {name} stream")


def _chain(table: list[int], start: int) -> list[int]:
    sectors = []
    while start < 0xFFFFFFFA:
        if start >= len(table) or len(sectors) > len(table):
            raise ValueError("not a readable compound file: a sector chain is broken")
        sectors.append(start)
        start = table[start]
    return sectors


def _u32s(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 4}I", data[:len(data) // 4 * 4]))


# -- adding a module to a workbook's own project

_COMPILED_CACHE = re.compile(r"^__SRP_\d+$", re.I)
_LIST_KEYS = (b"ID=", b"Document=", b"Module=", b"Class=", b"BaseClass=", b"Package=")


def add_module(project: bytes, module: Module) -> bytes:
    """``project`` (a vbaProject.bin from Excel or any writer) with ``module`` added.

    Every storage and stream is kept byte for byte (the modules' source and
    compiled code, forms and their class ids, references) except the three
    that list the modules: the dir stream gains one MODULE record, PROJECT one
    ``Module=`` line and PROJECTwm one name.  The compiled caches
    (``_VBA_PROJECT``'s and the ``__SRP_`` streams) are replaced by the seven
    bytes a spec writer leaves, so Office compiles every module from its
    source on opening, as it does for a project ehxl builds.  A project locked
    with a password is refused (ValueError), as is one that already holds a
    module or stream of that name.
    """
    tree, clsids = _read_project(project)
    vba_name = _key(tree, "VBA")
    vba = tree[vba_name] if vba_name else None
    if not isinstance(vba, dict) or not isinstance(vba.get(_key(vba, "dir") or ""), bytes):
        raise ValueError("its VBA project has no VBA storage with a dir stream")
    if _key(vba, module.name) or module.name.casefold() in {n.casefold() for n in project_modules(project)}:
        raise ValueError(f'its VBA project already has a module or stream named "{module.name}"')
    project_key, wm_key = _key(tree, "PROJECT"), _key(tree, "PROJECTwm")
    if not project_key:
        raise ValueError("its VBA project has no PROJECT stream")
    _refuse_locked(tree[project_key])
    dir_key = _key(vba, "dir")
    vba[dir_key] = compress(_dir_with_module(decompress(vba[dir_key]), module))
    vba[module.name] = compress(encode(module.source, f'module "{module.name}"'))
    vba[_key(vba, "_VBA_PROJECT") or "_VBA_PROJECT"] = VBA_PROJECT_STREAM
    for name in [n for n in vba if _COMPILED_CACHE.match(n) and isinstance(vba[n], bytes)]:
        del vba[name]
    tree[project_key] = _project_with_module(tree[project_key], module.name)
    if wm_key:
        tree[wm_key] = _projectwm_with_module(tree[wm_key], module.name)
    return compound_file(tree, clsids)


def _read_project(project: bytes) -> tuple[dict, dict[tuple[str, ...], bytes]]:
    """Every storage and stream of a compound file as a tree, and the class ids of the root and storages."""
    import olefile

    try:
        ole = olefile.OleFileIO(project)
    except OSError as exc:
        raise ValueError(f"its VBA project is not a readable compound file ({exc})") from None
    with ole:
        tree: dict = {}
        clsids = {(): _clsid_bytes(ole.root.clsid)}
        for path in ole.listdir(streams=True, storages=True):
            node = tree
            for part in path[:-1]:
                node = node.setdefault(part, {})
            if ole.get_type(path) == olefile.STGTY_STORAGE:
                node.setdefault(path[-1], {})
                clsids[tuple(path)] = _clsid_bytes(ole.getclsid(path))
            else:
                node[path[-1]] = ole.openstream(path).read()
    return tree, clsids


def _clsid_bytes(text: str) -> bytes:
    return uuid.UUID(text).bytes_le if text else bytes(16)


def _key(tree: dict, name: str) -> str | None:
    """The name ``name`` has in ``tree``: compound-file names ignore case."""
    return next((k for k in tree if k.casefold() == name.casefold()), None)


def _dir_records(data: bytes):
    """(record id, offset, length) of each record of a decompressed dir stream."""
    pos = 0
    while pos + 6 <= len(data):
        record_id, size = struct.unpack_from("<HI", data, pos)
        if record_id == 0x0009:                    # PROJECTVERSION: "size" is Reserved (4), then 6 bytes follow
            size = 6
        yield record_id, pos, 6 + size
        pos += 6 + size


def _dir_with_module(data: bytes, module: Module) -> bytes:
    """The dir stream with one more module: PROJECTMODULES counts it, its record goes before the terminator."""
    records = list(_dir_records(data))
    counts = [pos for rid, pos, _ in records if rid == 0x000F]
    if len(counts) != 1 or not records or records[-1][0] != 0x0010:
        raise ValueError("its VBA project's dir stream is not laid out as MS-OVBA says")
    count_at = counts[0] + 6
    count = struct.unpack_from("<H", data, count_at)[0]
    end = records[-1][1]
    return data[:count_at] + _u16(count + 1) + data[count_at + 2:end] + _module_record(module) + data[end:]


def _project_with_module(stream: bytes, name: str) -> bytes:
    """The PROJECT stream with a ``Module=`` line after the lines that list the project's modules."""
    lines = stream.split(b"\r\n")
    listed = [i for i, line in enumerate(lines) if line.startswith(_LIST_KEYS)]
    at = (listed[-1] + 1) if listed else 0
    return b"\r\n".join([*lines[:at], b"Module=" + encode(name, "module name"), *lines[at:]])


def _projectwm_with_module(stream: bytes, name: str) -> bytes:
    """PROJECTwm with one more name pair before its closing two zero bytes."""
    if not stream.endswith(b"\x00\x00"):
        raise ValueError("its VBA project's PROJECTwm stream does not end as MS-OVBA says")
    return stream[:-2] + encode(name, "module name") + b"\x00" + name.encode("utf-16-le") + b"\x00\x00\x00\x00"


def decrypt(data: bytes) -> bytes:
    """MS-OVBA 2.4.3.3: the data behind CMG, DPB or GC (the inverse of :func:`encrypt`)."""
    if len(data) < 3:
        raise ValueError("too short to be encrypted data")
    seed, version_enc, key_enc = data[0], data[1], data[2]
    if seed ^ version_enc != 2:
        raise ValueError("not version 2 encrypted data")
    plain, enc1, enc2 = seed ^ key_enc, key_enc, version_enc
    out = bytearray()
    for enc in data[3:]:
        byte = enc ^ ((enc2 + plain) & 0xFF)
        out.append(byte)
        plain, enc1, enc2 = byte, enc, enc1
    body = out[(seed & 6) // 2:]
    length = struct.unpack_from("<I", body)[0] if len(body) >= 4 else -1
    if length < 0 or len(body) < 4 + length:
        raise ValueError("its length does not match")
    return bytes(body[4:4 + length])


def _refuse_locked(stream: bytes) -> None:
    """A project whose code is locked for viewing (a VBA password) is its owner's to change, in Excel."""
    values = {}
    for line in stream.split(b"\r\n"):
        if line.startswith(b"["):
            break
        key, _, value = line.partition(b"=")
        values[key.decode("latin-1")] = value.strip(b'"').decode("latin-1")
    try:
        dpb, visible = decrypt(bytes.fromhex(values["DPB"])), decrypt(bytes.fromhex(values["GC"]))
    except (KeyError, ValueError):
        raise ValueError("its VBA project's protection settings cannot be read") from None
    if dpb != b"\x00" or visible != b"\xff":
        raise ValueError("its VBA project is locked with a password")
