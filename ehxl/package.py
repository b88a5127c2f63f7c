"""Workbooks as OPC zip packages: safe opening and atomic, lossless saving.

An .xlsx/.xlsm is a zip of XML (and binary) *parts* tied together by
relationship parts (``_rels/*.rels``).  ehxl never re-saves a staff workbook
through openpyxl, whose save rebuilds every part from its own model and drops
what it does not model (buttons' ``<controls>``, x14 extensions, shapes,
printer settings, cached values).  Instead:

* **Opening** checks the file before anything parses it: the format is told by
  its first bytes, not its name (``PK`` zip; ``D0 CF 11 E0`` compound file,
  encrypted when it holds an ``EncryptionInfo`` stream, else a legacy .xls);
  entry counts, uncompressed sizes and inflate ratios are capped (and enforced
  again while inflating, never trusting the header alone); any XML part with a
  document type declaration is refused, since Excel never writes one and it
  is how entity-expansion bombs work; absurd sheet dimensions are refused.
  Parts are found through relationships, never by file name.
* **Saving** (:func:`save_package`) writes a new zip in the same folder: every
  part ehxl did not change is copied through with identical content and its
  original entry settings, changed parts get their new bytes, new parts are
  appended.  The temporary file is then checked (it opens; every unchanged part
  copied as stored holds the same stored bytes as before and inflates to the
  original's CRC and size, one written anew hashes the same as before; every
  changed XML part parses), Excel's lock
  file (``~$name``) and any change on disk since ehxl read the file are
  refused, the previous version is kept in ``.ehxl-backups`` beside the file
  (the newest five per workbook), and only then is the file replaced, with
  ``os.replace``, in one step.  Any failure removes the temporary file and
  leaves the original exactly as it was.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import posixpath
import re
import secrets
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import unquote

from lxml import etree

from .errors import SaveRefused, WorkbookOpen, WorkbookRefused


@dataclass(frozen=True)
class Limits:
    max_entries: int = 10_000
    max_part_bytes: int = 256 * 2**20
    max_total_bytes: int = 1 * 2**30
    max_ratio: int = 200
    ratio_floor: int = 1 * 2**20
    max_rows: int = 1_048_576
    max_cols: int = 16_384


LIMITS = Limits()
BACKUP_DIR = ".ehxl-backups"
BACKUPS_KEPT = 5

RT_PREFIX = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
REL_OFFICE_DOCUMENT = RT_PREFIX + "officeDocument"
REL_WORKSHEET = RT_PREFIX + "worksheet"
REL_STYLES = RT_PREFIX + "styles"
REL_SHARED_STRINGS = RT_PREFIX + "sharedStrings"
REL_THEME = RT_PREFIX + "theme"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
XLSB_CT = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"

#: How every part is parsed, by the reader and the writer alike: no entities, no DTD, no network.
PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
XML_PARSER = etree.XMLParser(**PARSER_OPTIONS)


class _NoTree:
    """A parser target that keeps nothing: checking that a part parses needs no tree of it in memory."""

    def close(self) -> None:
        return None


def well_formed_parser() -> etree.XMLParser:
    """A parser that only checks a part is well-formed XML (parsed as :data:`XML_PARSER` would), keeping nothing."""
    return etree.XMLParser(target=_NoTree(), **PARSER_OPTIONS)


#: The root element straight after the XML declaration, as Excel writes every part: no room for a document
#: type declaration, so no need to parse the prolog (about 1 ms a workbook).
_ROOT_FIRST = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?[ \t\r\n]*<[A-Za-z_]")


class WellFormed:
    """The check that a part is well-formed XML (:func:`well_formed_parser`), started now: a small part is checked
    at once, a large one in a thread of its own while the caller goes on, for lxml lets go of the GIL while it
    parses (a 6 MB sheet takes some 35 ms, which the reading of it as bytes then hides).  :meth:`wait` raises what
    the parse raised, so the part's own fault is reported whatever the caller met meanwhile."""

    def __init__(self, data: bytes) -> None:
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if len(data) < _CHECKED_BESIDE:
            etree.fromstring(data, well_formed_parser())
        else:
            self._thread = threading.Thread(target=self._check, args=(data,), daemon=True)
            self._thread.start()

    def _check(self, data: bytes) -> None:
        try:
            etree.fromstring(data, well_formed_parser())
        except BaseException as exc:          # raised again in the caller's thread by wait()
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error


#: Parts this large are checked beside their reading (:class:`WellFormed`): below it a thread costs more than it saves.
_CHECKED_BESIDE = 1 << 18


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str
    external: bool


@dataclass(frozen=True)
class SheetRef:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    state: str
    kind: str


@dataclass
class SaveReport:
    path: Path
    backup: Path | None
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Deflated:
    """A part's new content deflated already, exactly as a save deflates it, with its CRC and size: a rendered
    20,000-row sheet waits for the save as 1 MB instead of 6, and is written as it is."""

    data: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, content: bytes) -> "Deflated":
        deflater = Deflater()
        deflater.write(content)
        return deflater.deflated()

    def content(self) -> bytes:
        return zlib.decompress(self.data, -15)


class Deflater:
    """Content deflated as it is written, piece by piece, into the very bytes :meth:`Deflated.of` gives for the
    whole (zlib's output does not depend on how its input is cut): a large part need never be whole in memory."""

    def __init__(self) -> None:
        self._packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)   # as zipfile's ZIP_DEFLATED
        self._out: list[bytes] = []
        self._crc = self._size = 0

    def write(self, piece: bytes) -> None:
        self._crc = zlib.crc32(piece, self._crc)
        self._size += len(piece)
        self._out.append(self._packer.compress(piece))

    def deflated(self) -> Deflated:
        self._out.append(self._packer.flush())
        return Deflated(b"".join(self._out), self._crc, self._size)


# ------------------------------------------------------------------ sniffing

def sniff(path: Path) -> str:
    """What the file is, by its first bytes: zip, encrypted, xls, cfb, text, empty or unknown."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _compound_kind(path)
    with open(path, "rb") as fh:
        text = _as_text(fh.read(4096))
    if text is None:
        return "unknown"
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return "text" if text and printable / len(text) > 0.95 else "unknown"


def _as_text(sample: bytes) -> str | None:
    """The sample as text (UTF-8, allowing a character cut at the end, else UTF-16), or None."""
    for cut in range(4):
        try:
            return sample[:len(sample) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    try:
        return sample.decode("utf-16")
    except UnicodeDecodeError:
        return None


def _compound_streams(path: Path) -> set[str]:
    """The stream and storage names of a compound (CFB) file, lower case."""
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            return {"/".join(s).lower() for s in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises several types on damaged files; fall back to the raw directory names
        raw = path.read_bytes().lower()
        return {name for name in ("encryptioninfo", "workbook", "book", "worddocument", "powerpoint document",
                                  "__properties_version1.0") if name.encode("utf-16-le") in raw}


def _compound_kind(path: Path) -> str:
    """Encrypted OOXML, legacy .xls, or some other compound file."""
    streams = _compound_streams(path)
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        return "encrypted"
    if "workbook" in streams or "book" in streams:
        return "xls"
    return "cfb"


_FRESH_COPY = "Ask whoever sent it for a fresh copy saved from Excel."
_AGAIN = "Open the last good copy, or ask whoever sent it for the file again."
_RESAVE = "Open it in Excel and save it as an Excel Workbook (.xlsx)."
_WRONG_FILE = "check you chose the right file."
_REPAIR = ("If Excel can still open it, save it again there as an Excel Workbook (.xlsx); otherwise open the last "
           "good copy, or ask whoever sent it for a fresh one.")


def _overload(why: str) -> str:
    """A zip or XML bomb, or something built like one, in plain words."""
    return f"looks built to overload programs that open it ({why}); ehxl will not read it. {_FRESH_COPY}"


def _damaged(what: str) -> str:
    return f"is damaged ({what}), so ehxl cannot read it. {_REPAIR}"


#: An XML part with a document type declaration: entity-expansion bombs and external entities work that way.
_HIDDEN_INSTRUCTIONS = _overload("it holds hidden instructions of a kind Excel never writes")

_REFUSALS = {
    "empty": f"is empty (0 bytes), so there is no workbook in it. {_AGAIN}",
    "encrypted": "is password-protected (encrypted); ehxl cannot read it. Remove the password in Excel "
                 "(File > Info > Protect Workbook > Encrypt with Password) and try again.",
    "xls": f"is an old-style Excel 97-2003 .xls file; ehxl reads .xlsx and .xlsm only. {_RESAVE}",
    "cfb": f"is an older kind of Microsoft Office file, but not an Excel workbook; {_WRONG_FILE}",
    "word": f"is a Word document, not an Excel workbook, whatever its name says; {_WRONG_FILE}",
    "powerpoint": f"is a PowerPoint presentation, not an Excel workbook, whatever its name says; {_WRONG_FILE}",
    "outlook": "is a saved Outlook e-mail, not an Excel workbook. Open the e-mail, save the workbook attached to "
               "it, and use that file instead.",
    "pdf": "is a PDF document, not an Excel workbook, whatever its name says; ehxl needs the workbook itself. "
           "Ask whoever sent it for the Excel file.",
    "csv": f"is a text (CSV) file, not an Excel workbook, whatever its name says. {_RESAVE}",
    "html": "is a web page (HTML), not an Excel workbook, whatever its name says; some systems export reports "
            f"this way. {_RESAVE}",
    "xml2003": f"is an Excel 2003 XML spreadsheet, an old format ehxl does not read. {_RESAVE}",
    "text": "is a plain text file, not an Excel workbook, whatever its name says. If it holds a table, open it "
            f"in Excel and save it as an Excel Workbook (.xlsx); otherwise {_WRONG_FILE}",
    "unknown": f"is not an Excel workbook (.xlsx or .xlsm); {_WRONG_FILE}",
}
#: A text file this small, with no table in it, is a stub (an e-mail system's "attachment not found" note,
#: a placeholder), not a CSV to convert.
_STUB_BYTES = 1024
_QUOTE_CHARS = 80


def _refusal(path: Path, kind: str) -> str:
    """The line for a file that is not a zip: what it is, or seems to be, and what to do."""
    with open(path, "rb") as fh:
        sample = fh.read(1 << 16)
    if sample.startswith(b"%PDF-"):
        return _REFUSALS["pdf"]
    if kind == "cfb":
        streams = _compound_streams(path)
        if "worddocument" in streams:
            return _REFUSALS["word"]
        if "powerpoint document" in streams:
            return _REFUSALS["powerpoint"]
        if "__properties_version1.0" in streams or any(s.startswith("__substg1.0_") for s in streams):
            return _REFUSALS["outlook"]
    if kind == "text":
        return _text_refusal(path, _as_text(sample) or "")
    return _REFUSALS[kind]


def _text_refusal(path: Path, text: str) -> str:
    """A CSV (several lines with separators) is told to be saved as a workbook; a few bytes of text is a stub."""
    head = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    if head.startswith("<") and any(tag in head for tag in ("<html", "<table", "<!doctype html")):
        return _REFUSALS["html"]
    if head.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in head:
        return _REFUSALS["xml2003"]
    lines = [line for line in text.splitlines() if line.strip()]
    if _looks_like_table(lines):
        return _REFUSALS["csv"]
    size = path.stat().st_size
    if size <= _STUB_BYTES and len(lines) <= 3:
        quote = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
        if not quote:
            return f"is not a workbook: it holds only blank lines or spaces ({size:,} bytes). {_AGAIN}"
        if len(quote) > _QUOTE_CHARS:
            quote = quote[:_QUOTE_CHARS - 1].rstrip() + "…"
        unit = "byte" if size == 1 else "bytes"
        return (f"is not a workbook: it holds only {size:,} {unit} of text (\"{quote}\"). Ask whoever sent it "
                f"for the real file.")
    return _REFUSALS["text"]


def _looks_like_table(lines: list[str]) -> bool:
    """Two or more lines, the first and most of the rest split by the same separator."""
    if len(lines) < 2:
        return False
    lines = lines[:50]
    for sep in (",", ";", "\t", "|"):
        if sep in lines[0] and sum(sep in line for line in lines[1:]) * 2 >= len(lines) - 1:
            return True
    return False


# ------------------------------------------------------------------ the package

class Package:
    """An opened workbook package: its parts, read lazily and capped, and its relationships."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, limits: Limits):
        self.path = path
        self.limits = limits
        self._zip = zf
        self._infos = {i.filename: i for i in zf.infolist()}
        self.names = [i.filename for i in zf.infolist()]
        self._cache: dict[str, bytes] = {}
        self._sound: set[str] = set()          # parts inflated whole, their CRC checked: not damaged
        self._rels: dict[str, list[Rel]] = {}
        self._types: tuple[dict[str, str], dict[str, str]] | None = None
        self._fingerprint = _fingerprint(path)
        self.workbook_part = ""
        self.strict = False

    # -- opening

    @classmethod
    def open(cls, path: str | Path, *, limits: Limits = LIMITS) -> "Package":
        """Open safely, or raise :class:`WorkbookRefused` with one line saying what is wrong and what to do."""
        path = Path(path)
        if not path.exists():
            raise WorkbookRefused("could not be found; check the name and folder.", path=path)
        if path.is_dir():
            raise WorkbookRefused("is a folder, not a workbook; choose a workbook in it.", path=path)
        kind = sniff(path)
        if kind != "zip":
            raise WorkbookRefused(_refusal(path, kind), path=path)
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise WorkbookRefused(_damaged("it looks cut short or garbled, as happens when a copy or download is "
                                           "interrupted"), path=path) from exc
        pkg = cls(path, zf, limits)
        try:
            pkg._check()
        except WorkbookRefused:
            zf.close()
            raise
        except (zipfile.BadZipFile, OSError, EOFError, KeyError, etree.XMLSyntaxError, ValueError) as exc:
            zf.close()
            raise WorkbookRefused(_damaged("some of what every workbook holds is missing or garbled"),
                                  path=path) from exc
        return pkg

    def _check(self) -> None:
        lim = self.limits
        if not self.names:
            raise WorkbookRefused(f"is an empty compressed (zip) file with nothing in it, not a workbook. {_AGAIN}",
                                  path=self.path)
        if len(self.names) > lim.max_entries:
            raise WorkbookRefused(_overload(f"it is packed with {len(self.names):,} pieces, far more than any "
                                            f"workbook has"), path=self.path)
        total = 0
        for info in self._infos.values():
            total += info.file_size
            self._check_size(info)
        if total > lim.max_total_bytes:
            raise WorkbookRefused(_overload(f"it would expand to {total // 2**20:,} MB when opened"),
                                  path=self.path)
        if "[Content_Types].xml" not in self._infos or "_rels/.rels" not in self._infos:
            raise WorkbookRefused(self._not_office(), path=self.path)
        for name in self.names:
            if name.endswith((".xml", ".rels", ".vml")):
                self._check_prolog(name)
        office = [r for r in self.rels("") if _short(r.type) == "officeDocument" and not r.external]
        if not office or office[0].target not in self._infos:
            raise WorkbookRefused(_damaged("it is packaged like an Excel file, but the workbook itself is missing "
                                           "from it"), path=self.path)
        self.workbook_part = office[0].target
        ctype = self.content_type(self.workbook_part) or ""
        if "wordprocessingml" in ctype or "ms-word" in ctype:
            raise WorkbookRefused(_REFUSALS["word"], path=self.path)
        if "presentationml" in ctype or "ms-powerpoint" in ctype:
            raise WorkbookRefused(_REFUSALS["powerpoint"], path=self.path)
        if ctype == XLSB_CT or self.workbook_part.endswith(".bin"):
            raise WorkbookRefused("is a binary workbook (.xlsb); ehxl reads .xlsx and .xlsm only. Open it in "
                                  "Excel and save it as an Excel Workbook (.xlsx).", path=self.path)
        root = self.xml(self.workbook_part)
        self.strict = etree.QName(root).namespace == STRICT_MAIN
        for sheet in self.sheets():
            if sheet.part and sheet.kind == "worksheet":
                self._check_dimension(sheet)

    def _not_office(self) -> str:
        """A zip without the two entries every Office file has: say what it holds instead, if that is clear."""
        if "mimetype" in self._infos and self._infos["mimetype"].file_size < 200:
            mimetype = self._inflate(self._infos["mimetype"], 200)
            if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return ("is an OpenDocument spreadsheet (.ods, as LibreOffice saves), not an Excel workbook; open "
                        "it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).")
            if mimetype.startswith(b"application/vnd.oasis.opendocument"):
                return f"is an OpenDocument file (as LibreOffice saves), but not a spreadsheet; {_WRONG_FILE}"
        books = [n for n in self.names if n.lower().endswith((".xlsx", ".xlsm", ".xls"))
                 and not n.startswith("__MACOSX/")]
        if books:
            some = f"{len(books)} workbooks, such as" if len(books) > 1 else "the workbook"
            return (f"is a compressed (zip) folder holding {some} \"{posixpath.basename(books[0])}\", not a "
                    f"workbook itself. Take the workbook out of it (in File Explorer: right-click, Extract All) "
                    f"and use that.")
        return ("is a compressed (zip) file but not an Excel workbook: it lacks the contents every workbook has. "
                f"If it should be a workbook, ask whoever sent it for a fresh copy saved from Excel; otherwise "
                f"{_WRONG_FILE}")

    def _check_size(self, info: zipfile.ZipInfo) -> None:
        lim = self.limits
        if info.file_size > lim.max_part_bytes:
            raise WorkbookRefused(_overload(f"one item inside it would expand to {info.file_size // 2**20:,} MB"),
                                  path=self.path)
        if info.file_size > lim.ratio_floor and info.file_size > lim.max_ratio * max(info.compress_size, 1):
            raise WorkbookRefused(_overload(f"one item inside it would grow "
                                            f"{info.file_size // max(info.compress_size, 1):,} times when opened"),
                                  path=self.path)

    def _check_prolog(self, name: str) -> None:
        """Refuse a document type declaration before the root element (XML bombs, external entities).

        The prolog is parsed chunk by chunk until the root element starts, so neither a long comment
        before the DTD nor a UTF-16 part can hide one.  A small part read whole here (its CRC checked as
        the last of it was read) is kept for :meth:`read`: most parts of a team's workbook are a few KB,
        and a board pack opens a hundred workbooks."""
        info = self._infos[name]
        with self._zip.open(info) as fh:
            head = fh.read(8192)
            upper = head.upper()
            if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                raise WorkbookRefused(_HIDDEN_INSTRUCTIONS, path=self.path)
            if _ROOT_FIRST.match(head):
                if len(head) == info.file_size:
                    self._cache[name] = head
                    self._sound.add(name)
                return
            import defusedxml.ElementTree as safe

            parser = safe.DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True,
                                           forbid_external=True)
            try:
                while head:
                    parser.feed(head)
                    head = fh.read(1 << 16)
            except _RootStarted:
                return
            except Exception as exc:
                if type(exc).__name__ in ("DTDForbidden", "EntitiesForbidden", "ExternalReferenceForbidden"):
                    raise WorkbookRefused(_HIDDEN_INSTRUCTIONS, path=self.path) from exc

    def _check_dimension(self, sheet: SheetRef) -> None:
        with self._zip.open(sheet.part) as fh:
            head = fh.read(4096)
        m = _DIMENSION.search(head)
        if not m:
            return
        last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
        col = 0
        for ch in last_col.decode():
            col = col * 26 + ord(ch) - 64
        if int(last_row) > self.limits.max_rows or col > self.limits.max_cols:
            raise WorkbookRefused(f"sheet '{sheet.name}' says it reaches cell {last_col.decode()}{int(last_row)}, "
                                  f"beyond the largest sheet Excel allows, so the file is damaged or built to "
                                  f"overload programs that open it; ehxl will not read it. Open the last good "
                                  f"copy, or ask whoever sent it for a fresh copy saved from Excel.", path=self.path)

    # -- parts

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str, *, keep: bool = True) -> bytes:
        """A part's content, inflated with the size cap enforced as it inflates; kept for the next read unless
        ``keep`` is false (an ehxl sheet about to be replaced, say: 6 MB at 20,000 rows, read once or twice)."""
        if name in self._cache:
            return self._cache[name]
        info = self._infos[name]
        self._check_size(info)
        data = self._inflate(info, self.limits.max_part_bytes + 1)
        if len(data) > self.limits.max_part_bytes:
            raise WorkbookRefused(_overload("one item inside it is far larger than the file says"), path=self.path)
        if keep:
            self._cache[name] = data
        self._sound.add(name)
        return data

    def holds(self, name: str, data: bytes | Deflated) -> bool:
        """Whether a part's content is ``data``: found, and refused, as :meth:`read` would, but inflated a
        megabyte at a time and kept nowhere, so an ehxl sheet rendered anew is never held twice to be compared.
        A part deflated already is inflated to be compared only when its size and CRC are the file's."""
        info = self._infos[name]
        if isinstance(data, Deflated):
            data = data.content() if (data.size, data.crc) == (info.file_size, info.CRC) else None
        if name in self._cache:
            return self._cache[name] == data
        self._check_size(info)
        size, same = 0, True
        try:
            with self._zip.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    same = same and data is not None and data.startswith(chunk, size)
                    size += len(chunk)
                    if size > self.limits.max_part_bytes:
                        raise WorkbookRefused(_overload("one item inside it is far larger than the file says"),
                                              path=self.path)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookRefused(_damaged(f"{self._what(info.filename)} is garbled"), path=self.path) from exc
        self._sound.add(name)
        return same and data is not None and size == len(data)

    def forget(self, name: str) -> None:
        """Drop a part's cached content (a large sheet, once read): it is inflated again if asked for."""
        self._cache.pop(name, None)

    def info(self, name: str) -> zipfile.ZipInfo:
        return self._infos[name]

    def xml(self, name: str) -> etree._Element:
        data = self.read(name)
        if b"<!DOCTYPE" in data[:8192].upper():
            raise WorkbookRefused(_HIDDEN_INSTRUCTIONS, path=self.path)
        return etree.fromstring(data, XML_PARSER)

    def rels_part(self, part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> list[Rel]:
        """The part's relationships (``""`` for the package's own); targets resolved to part names."""
        if part not in self._rels:
            name = self.rels_part(part) if part else "_rels/.rels"
            out: list[Rel] = []
            if name in self._infos:
                for el in self.xml(name):
                    if etree.QName(el).localname != "Relationship":
                        continue
                    external = el.get("TargetMode") == "External"
                    target = el.get("Target", "")
                    out.append(Rel(el.get("Id", ""), el.get("Type", ""),
                                   target if external else resolve_target(part, target), external))
            self._rels[part] = out
        return self._rels[part]

    def related(self, part: str, rel_type: str) -> list[str]:
        """Targets of one relationship type (transitional or strict URI, compared by its last word)."""
        want = _short(rel_type)
        return [r.target for r in self.rels(part) if not r.external and _short(r.type) == want]

    def content_type(self, name: str) -> str | None:
        if self._types is None:
            defaults, overrides = {}, {}
            for el in self.xml("[Content_Types].xml"):
                local = etree.QName(el).localname
                if local == "Default":
                    defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
                elif local == "Override":
                    overrides[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
            self._types = defaults, overrides
        defaults, overrides = self._types
        if name in overrides:
            return overrides[name]
        return defaults.get(posixpath.splitext(name)[1].lstrip(".").lower())

    def sheets(self) -> list[SheetRef]:
        root = self.xml(self.workbook_part)
        ns = etree.QName(root).namespace
        rels = {r.id: r for r in self.rels(self.workbook_part)}
        out = []
        sheets = root.find(f"{{{ns}}}sheets")
        for el in (sheets if sheets is not None else []):
            rid = next((v for k, v in el.attrib.items() if etree.QName(k).localname == "id" and "}" in k), "")
            rel = rels.get(rid)
            out.append(SheetRef(el.get("name", ""), int(el.get("sheetId", "0")), rid,
                                rel.target if rel and not rel.external else None, el.get("state", "visible"),
                                _short(rel.type) if rel else ""))
        return out

    def _one(self, rel_type: str) -> str | None:
        found = self.related(self.workbook_part, rel_type)
        return found[0] if found and found[0] in self._infos else None

    def styles_part(self) -> str | None:
        return self._one(REL_STYLES)

    def shared_strings_part(self) -> str | None:
        return self._one(REL_SHARED_STRINGS)

    def theme_part(self) -> str | None:
        return self._one(REL_THEME)

    def fingerprint(self) -> tuple[int, int, str]:
        return self._fingerprint

    def digest(self, name: str) -> str:
        """The sha256 of a part's content, inflating it a megabyte at a time when it is not already read."""
        if name in self._cache:
            return hashlib.sha256(self._cache[name]).hexdigest()
        info = self._infos[name]
        try:
            digest = _sha256(self._zip, name)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookRefused(_damaged(f"{self._what(info.filename)} is garbled"), path=self.path) from exc
        self._sound.add(name)
        return digest

    def check_sound(self, name: str) -> None:
        """Refuse a part damaged deep inside (a bad CRC, broken deflate) before it is copied: inflated, a
        megabyte at a time, unless it was already read whole."""
        if name not in self._sound:
            self.digest(name)

    def part_digests(self) -> dict[str, str]:
        return {n: hashlib.sha256(self._raw(n)).hexdigest() for n in self.names}

    def _raw(self, name: str) -> bytes:
        """A part's content without caching it (used when copying large packages)."""
        if name in self._cache:
            return self._cache[name]
        data = self._inflate(self._infos[name], -1)
        self._sound.add(name)
        return data

    def _stored(self, info: zipfile.ZipInfo) -> bytes | None:
        """A part's bytes as stored in the zip (still compressed), or None where they cannot simply be copied:
        encrypted or zip64 entries, or methods other than stored and deflated."""
        return _stored_bytes(self._zip, info)

    def _inflate(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        """A part's bytes; damage found only deep inside a part (bad CRC, broken deflate) is a refusal too."""
        try:
            with self._zip.open(info) as fh:
                return _read_up_to(fh, limit)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookRefused(_damaged(f"{self._what(info.filename)} is garbled"), path=self.path) from exc

    def _what(self, name: str) -> str:
        """A part in words: "sheet 'KPIs' in it" for a worksheet, else "some of what it holds"."""
        # only from what is already read: looking further could land on the damaged part again
        if name != self.workbook_part and self.workbook_part in self._cache and self.workbook_part in self._rels:
            try:
                sheet = next((s.name for s in self.sheets() if s.part == name), None)
            except Exception:  # the workbook part itself is unreadable: say it less precisely
                sheet = None
            if sheet is not None:
                return f"sheet '{sheet}' in it"
        return "some of what it holds"

    def close(self) -> None:
        self._zip.close()


def _read_up_to(fh, limit: int) -> bytes:
    """Up to ``limit`` bytes of an open part (all of it when ``limit`` is negative), as ``fh.read(limit)`` gives
    them, but a megabyte at a time into one buffer that becomes the result without a copy: asked for all at
    once, zlib collects its output in blocks and joins them, holding a 6 MB sheet twice over."""
    out = io.BytesIO()
    while limit < 0 or out.tell() < limit:
        chunk = fh.read(_CHUNK if limit < 0 else min(_CHUNK, limit - out.tell()))
        if not chunk:
            break
        out.write(chunk)
    return out.getvalue()


_CHUNK = 1 << 20
#: How much of a part the check of a saved copy inflates at a time: a few pieces of this size are alive at once (the
#: inflated piece, zipfile's and the parser's buffers), so it is kept small enough to fit where the job left room.
_CHECKED_PIECE = 1 << 18


class _RootStarted(Exception):
    """Raised by :class:`_StopAtRoot`: the prolog is over."""


class _StopAtRoot:
    """A parser target that stops parsing at the root element's start tag."""

    def start(self, tag, attrib):
        raise _RootStarted

    def close(self):
        return None


def _stored_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, name_checked: bool = False) -> bytes | None:
    """:meth:`Package._stored` in any open zip; ``name_checked``: None too where the entry's local header
    names another part (as :meth:`zipfile.ZipFile.open` refuses to read it)."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    if max(info.file_size, info.compress_size, info.header_offset) >= zipfile.ZIP64_LIMIT:
        return None
    with zf._lock:
        fp = zf.fp
        fp.seek(info.header_offset)
        head = fp.read(zipfile.sizeFileHeader)
        if len(head) != zipfile.sizeFileHeader or head[:4] != zipfile.stringFileHeader:
            return None
        name_len, extra_len = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
        if name_checked and fp.read(name_len).decode("utf-8" if info.flag_bits & 0x800 else "cp437",
                                                     "replace") != info.orig_filename:
            return None
        fp.seek(info.header_offset + zipfile.sizeFileHeader + name_len + extra_len)
        raw = fp.read(info.compress_size)
    return raw if len(raw) == info.compress_size else None


def _short(rel_type: str) -> str:
    return rel_type.rstrip("/").rsplit("/", 1)[-1]


def resolve_target(source: str, target: str) -> str:
    """A relationship target as an absolute part name."""
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _fingerprint(path: Path) -> tuple[int, int, str]:
    st = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return st.st_size, st.st_mtime_ns, h.hexdigest()


# ------------------------------------------------------------------ saving

def lock_file(path: Path) -> Path:
    """Excel's owner file beside an open workbook: ``~$name``."""
    return path.with_name("~$" + path.name)


def check_writable(path: Path) -> None:
    """Refuse before doing any work when Excel has the workbook open."""
    lock = lock_file(path)
    if lock.exists():
        raise WorkbookOpen(f"is open in Excel, by you or someone else, so ehxl saved nothing. Close it in Excel and "
                           f"try again. If nobody has it open, Excel left its lock file \"{lock.name}\" behind in "
                           f"the same folder: delete that small file (not the workbook) and try again.", path=path)


def save_package(pkg: Package, changes: Mapping[str, bytes | Deflated | None], *, target: str | Path | None = None,
                 backup: bool = True, _fail_after_temp: bool = False) -> SaveReport:
    """Write ``pkg`` with ``changes`` applied to ``target`` (default: in place), atomically and verified."""
    target = Path(target) if target is not None else pkg.path
    in_place = target.resolve() == pkg.path.resolve()
    if in_place:
        check_writable(target)
    tmp = target.with_name(f".~ehxl-{target.stem}-{secrets.token_hex(4)}.tmp")
    report = SaveReport(target, None)
    try:
        expected = _write(pkg, changes, tmp, report)
        if _fail_after_temp:
            raise RuntimeError("save interrupted after the temporary file was written (test)")
        _verify(tmp, expected, changes, target)
        if in_place:
            check_writable(target)
            if _fingerprint(target) != pkg.fingerprint():
                raise SaveRefused("was changed and saved (by someone else, or another program) while ehxl was "
                                  "working on it, so ehxl saved nothing and those changes are kept. Try again.",
                                  path=target)
            if backup:
                report.backup = _backup(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return report


#: What the new copy of an unchanged part must hold: ("stored", sha256 of its stored bytes, its entry's method,
#: CRC and sizes) for a part copied as stored, ("content", sha256 of its content, None) for one written anew.
Expected = tuple[str, str, "tuple[int, int, int, int] | None"]


def _write(pkg: Package, changes: Mapping[str, bytes | Deflated | None], tmp: Path,
           report: SaveReport) -> dict[str, Expected]:
    """Write the new zip; returns what every unchanged part must still be."""
    expected: dict[str, Expected] = {}
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as out:
        for name in pkg.names:
            info = pkg.info(name)
            if name in changes:
                data = changes[name]
                if data is None:
                    report.removed.append(name)
                    continue
                new = zipfile.ZipInfo(name, date_time=info.date_time)
                new.compress_type, new.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                _write_part(out, new, data)
                report.changed.append(name)
            else:
                expected[name] = _copy_entry(pkg, info, out)
        now = dt.datetime.now().timetuple()[:6]
        for name, data in changes.items():
            if name not in pkg._infos and data is not None:
                info = zipfile.ZipInfo(name, date_time=now)
                info.compress_type = zipfile.ZIP_DEFLATED
                _write_part(out, info, data)
                report.added.append(name)
        out.fp.flush()
        os.fsync(out.fp.fileno())
    return expected


def _write_part(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | Deflated) -> None:
    """A changed or added part, deflated; one deflated already is written entry for entry as ``writestr``
    would have written its content (the same header, the same deflated bytes)."""
    if not isinstance(data, Deflated):
        out.writestr(info, data)
        return
    info.flag_bits, info.CRC, info.compress_size, info.file_size = 0, data.crc, len(data.data), data.size
    if not info.external_attr:
        info.external_attr = 0o600 << 16
    _append_entry(out, info, data.data, zip64=info.file_size * 1.05 > zipfile.ZIP64_LIMIT)


def _append_entry(out: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes, *, zip64: bool) -> None:
    """An entry whose CRC and sizes ``info`` holds already, written with its stored (compressed) bytes as they
    are: through zipfile's own bookkeeping, which has no public way to take bytes compressed elsewhere."""
    info.header_offset = out.fp.tell()
    out._writecheck(info)
    out._didModify = True
    out.fp.write(info.FileHeader(zip64))
    out.fp.write(raw)
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
    out.start_dir = out.fp.tell()


def _copy_entry(pkg: Package, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> Expected:
    """An unchanged part copied as it is stored, compressed bytes and all: inflating and deflating a large
    sheet again would cost most of a save.  The part is first inflated whole, unless it was read already,
    so that one damaged deep inside is refused; :func:`_verify` then finds the same stored bytes in the copy,
    under the same method, CRC and sizes, so the copy inflates to the same content."""
    raw = pkg._stored(info)
    if raw is None:
        data = pkg._raw(info.filename)
        out.writestr(_copy_info(info), data)
        return "content", hashlib.sha256(data).hexdigest(), None
    pkg.check_sound(info.filename)
    new = _copy_info(info)
    new.CRC, new.compress_size, new.file_size = info.CRC, info.compress_size, info.file_size
    _append_entry(out, new, raw, zip64=False)
    return "stored", hashlib.sha256(raw).hexdigest(), _entry(info)


def _entry(info: zipfile.ZipInfo) -> tuple[int, int, int, int]:
    return info.compress_type, info.CRC, info.compress_size, info.file_size


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    new.comment = info.comment
    new.extra = b""
    return new


def _verify(tmp: Path, expected: dict[str, Expected], changes: Mapping[str, bytes | Deflated | None],
            target: Path) -> None:
    try:
        with zipfile.ZipFile(tmp) as z:
            names = set(z.namelist())
            for name, want in expected.items():
                if name not in names or _found(z, name, want[0]) != want:
                    raise SaveRefused(f"was not saved: ehxl's check of the new copy found that something it must "
                                      f"leave alone would change, so it stopped and your workbook is untouched. "
                                      f"Please report this fault in ehxl (detail for support: {name}).", path=target)
            for name, data in changes.items():
                if data is not None and name.endswith((".xml", ".rels")):
                    _check_parses(z, name)
    except (zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError) as exc:
        raise SaveRefused(f"was not saved: the new copy ehxl made failed its check, so it stopped and your workbook "
                          f"is untouched. Please report this fault in ehxl (detail for support: "
                          f"{' '.join(str(exc).split())}).", path=target) from exc


def _found(z: zipfile.ZipFile, name: str, how: str) -> Expected | None:
    """What the new copy holds for ``name``, told as :func:`_write` expects it."""
    if how == "content":
        return "content", _sha256(z, name), None
    info = z.getinfo(name)
    raw = _stored_bytes(z, info, name_checked=True)
    if raw is None:
        return None
    _inflates(z, name)    # and, through zipfile's own reading, to content of the original's CRC and size
    return "stored", hashlib.sha256(raw).hexdigest(), _entry(info)


def _check_parses(z: zipfile.ZipFile, name: str) -> None:
    """Raise XMLSyntaxError where ``XML_PARSER`` would, fed a piece at a time and building no tree (a
    10,000-row sheet's tree would take tens of MB)."""
    parser = well_formed_parser()
    for piece in _pieces(z, name):
        parser.feed(piece)
    parser.close()


def _inflates(z: zipfile.ZipFile, name: str) -> None:
    """Raise BadZipFile unless the entry inflates to its CRC and size, read a piece at a time."""
    for _ in _pieces(z, name):
        pass


def _sha256(z: zipfile.ZipFile, name: str) -> str:
    """The hash of an entry's content, inflated a piece at a time (its CRC checked at the end, as by read)."""
    h = hashlib.sha256()
    for piece in _pieces(z, name):
        h.update(piece)
    return h.hexdigest()


def _pieces(z: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """An entry's content, inflated whole when it is no larger than a megabyte (a parser fed it in pieces does more
    work), else :data:`_CHECKED_PIECE` at a time."""
    piece = _CHECKED_PIECE if z.getinfo(name).file_size > _CHUNK else _CHUNK
    with z.open(name) as fh:
        while chunk := fh.read(piece):
            yield chunk


def _backup(path: Path) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{path.stem}.{stamp}"
    same_second = re.compile(re.escape(base) + r"(?:-(\d+))?" + re.escape(path.suffix) + "$")
    n = 1 + max((int(m.group(1) or 1) for q in folder.iterdir() if (m := same_second.match(q.name))), default=0)
    dest = folder / (f"{base}{path.suffix}" if n == 1 else f"{base}-{n}{path.suffix}")  # never reuse a pruned name
    tmp = dest.with_name(dest.name + ".tmp")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            dst.write(chunk)
    os.replace(tmp, dest)
    pattern = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}(?:-\d+)?" + re.escape(path.suffix) + "$")
    # equal mtimes (coarse clocks, network shares): "stamp.xlsx" < "stamp-2.xlsx" < "stamp-10.xlsx"
    mine = sorted((p for p in folder.iterdir() if pattern.match(p.name)),
                  key=lambda p: (p.stat().st_mtime_ns, len(p.name), p.name))
    for old in mine[:-BACKUPS_KEPT]:
        old.unlink()
    return dest
