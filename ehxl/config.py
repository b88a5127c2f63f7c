"""Settings a team can give ehxl when detection is not enough.

Two places, the second overriding the first:

1. ``ehxl.toml`` beside the workbook::

       as_of = 2026-11-22            # the date overdue is judged against
       due_soon_days = 30
       maturity_method = "median"    # median | mean | min
       [sheets]                      # sheet name -> kind
       "Plan 2016" = "action_plan"
       [columns]                     # field -> the header your sheet uses
       owner = "Lead officer"
       [colours]                     # colour -> what it means in your council
       blue = "complete"
       green = "on track"

2. a sheet called ``Config`` (or ``ehxl config``) with two columns,
   ``Setting | Value``: ``As of | 22/11/2026``, ``Due soon (days) | 30``,
   ``Sheet: Plan 2016 | action_plan``, ``Column: owner | Lead officer``,
   ``Colour: blue | complete``, ``Maturity method | median``.

A setting ehxl does not understand is reported as a finding, not ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from . import rag
from .deadlines import DateKind, parse_date_text
from .errors import EhxlError
from .findings import Finding, warning, where
from .grid import SheetGrid, a1

KINDS = ("action_plan", "maturity_grid", "kpi_table", "audit_table", "owners", "targets", "config", "ignore")
CONFIG_SHEETS = ("config", "ehxl config", "settings")
METHODS = ("median", "mean", "min")
_MEANINGS = {m.value: m for m in rag.Meaning} | {"done": rag.Meaning.COMPLETE, "completed": rag.Meaning.COMPLETE,
                                                 "behind": rag.Meaning.BEHIND, "on-track": rag.Meaning.ON_TRACK}


@dataclass
class Config:
    as_of: date | None = None
    within: int | None = None
    maturity_method: str | None = None
    kinds: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    colours: dict[str, rag.Meaning] = field(default_factory=dict)
    team: str | None = None                                  # the team a workbook belongs to, in a board pack
    teams: dict[str, str] = field(default_factory=dict)      # file name -> team, from a folder's ehxl.toml
    city: str | None = None                                  # the team whose tables are city-wide, in a pack
    source: str = ""

    def legend(self) -> rag.Legend | None:
        """The colour meanings this config sets, over the default legend."""
        if not self.colours:
            return None
        meanings = dict(self.colours)
        for colour, meaning in rag.DEFAULT_LEGEND.meanings.items():
            meanings.setdefault(colour, meaning)
        return rag.Legend(meanings, source="config")

    def merged(self, other: "Config | None") -> "Config":
        """This config with ``other``'s settings laid over it."""
        if other is None:
            return self
        return replace(self,
                       as_of=other.as_of or self.as_of,
                       within=other.within if other.within is not None else self.within,
                       maturity_method=other.maturity_method or self.maturity_method,
                       kinds={**self.kinds, **other.kinds},
                       columns={**self.columns, **other.columns},
                       colours={**self.colours, **other.colours},
                       team=other.team or self.team,
                       teams={**self.teams, **other.teams},
                       city=other.city or self.city,
                       source=" + ".join(s for s in (self.source, other.source) if s))


def is_config_sheet(name: str) -> bool:
    return name.strip().lower() in CONFIG_SHEETS


def from_toml(path: Path) -> tuple[Config, list[Finding]]:
    """Read ``ehxl.toml``; a file that is not valid TOML is one finding."""
    import tomllib                               # here: most folders have no ehxl.toml to read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Config(source=path.name), [warning("config-invalid", path.name, None, None,
                                                  f"{path.name} could not be read ({exc}); its settings were ignored.")]
    cfg = Config(source=path.name)
    out: list[Finding] = []
    for key, value in data.items():
        out += _apply(cfg, key, value, path.name, None, None)
    return cfg, out


def from_grid(grid: SheetGrid) -> tuple[Config, list[Finding]]:
    """Read a ``Config`` sheet: ``Setting | Value`` rows."""
    cfg = Config(source=f"sheet {grid.name}")
    out: list[Finding] = []
    for r in grid.rows():
        key = grid.text(r, 1)
        if not key or key.lower() in ("setting", "settings"):
            continue
        value = grid.value(r, 2)
        out += _apply(cfg, _sheet_key(key), value, grid.name, a1(r, 2), r)
    return cfg, out


def _sheet_key(text: str) -> str | tuple[str, str]:
    m = re.match(r"^\s*(sheet|column|colour|color)\s*:\s*(.+?)\s*$", text, re.I)
    if m:
        return (m.group(1).lower().replace("color", "colour"), m.group(2))
    return re.sub(r"[^a-z]+", "_", text.lower()).strip("_")


def _apply(cfg: Config, key, value, sheet: str, cell: str | None, row: int | None) -> list[Finding]:
    def bad(msg: str) -> list[Finding]:
        return [warning("config-invalid", sheet, cell, row, f"{where(sheet, cell) if cell else sheet}: {msg}")]

    if isinstance(key, tuple):
        section, name = key
        return _apply_section(cfg, section, {name: value}, bad)
    if key == "teams" and isinstance(value, dict):
        return _apply_teams(cfg, value, bad)
    if key in ("sheets", "columns", "colours", "colors") and isinstance(value, dict):
        return _apply_section(cfg, {"sheets": "sheet", "columns": "column"}.get(key, "colour"), value, bad)
    if value is None or value == "":
        return []
    if key == "as_of":
        d = _as_date(value)
        if d is None:
            return bad(f"'As of' must be a date such as 22/11/2026, not \"{value}\".")
        cfg.as_of = d
    elif key in ("due_soon_days", "due_soon", "due_soon_days_", "within"):
        try:
            cfg.within = int(float(str(value)))
        except ValueError:
            return bad(f"'Due soon (days)' must be a whole number, not \"{value}\".")
    elif key == "team":
        cfg.team = str(value).strip() or None
    elif key in ("city", "city_wide", "city_team"):
        cfg.city = str(value).strip() or None
    elif key == "maturity_method":
        method = str(value).strip().lower()
        if method not in METHODS:
            return bad(f"'Maturity method' must be median, mean or min, not \"{value}\".")
        cfg.maturity_method = method
    else:
        return bad(f"the setting \"{key}\" is not one ehxl knows; see `ehxl --help`.")
    return []


def _apply_teams(cfg: Config, items: dict, bad) -> list[Finding]:
    """``[teams]``: which team each workbook in the folder belongs to (``"north.xlsx" = "North locality"``)."""
    out: list[Finding] = []
    for name, value in items.items():
        team = str(value).strip()
        if not team or isinstance(value, dict):
            out += bad(f"the team for \"{name}\" must be a name such as \"North locality\", not \"{value}\".")
        else:
            cfg.teams[str(name).strip()] = team
    return out


def _apply_section(cfg: Config, section: str, items: dict, bad) -> list[Finding]:
    out: list[Finding] = []
    for name, value in items.items():
        text = str(value).strip()
        if section == "sheet":
            kind = text.lower().replace(" ", "_").replace("-", "_")
            if kind not in KINDS:
                out += bad(f"sheet kind \"{value}\" is not one of {', '.join(KINDS)}.")
            else:
                cfg.kinds[str(name)] = kind
        elif section == "column":
            cfg.columns[str(name).strip().lower()] = text
        else:
            colour = str(name).strip().lower().replace("gray", "grey")
            meaning = _MEANINGS.get(text.lower())
            if colour not in rag.COLOURS or meaning is None:
                out += bad(f"colour setting \"{name} = {value}\" is not understood; use e.g. blue = complete.")
            else:
                cfg.colours[colour] = meaning
    return out


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date_text(value)
    return parsed.date if parsed.kind is DateKind.DEADLINE else None


def parse_as_of(text: str | date | None) -> date | None:
    """``2026-11-22`` or a UK date such as ``22/11/2026``; None means today."""
    if text is None or isinstance(text, date):
        return text.date() if isinstance(text, datetime) else text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    parsed = parse_date_text(text)
    if parsed.kind is DateKind.DEADLINE and parsed.date and not parsed.ambiguous:
        return parsed.date
    raise EhxlError(f"--as-of \"{text}\" is not a date; write it as 2026-11-22 or 22/11/2026.")


def toml_config(path: Path) -> Config | None:
    """The settings in an ``ehxl.toml`` beside the workbook, if there is one."""
    toml = path.with_name("ehxl.toml")
    if not toml.exists():
        return None
    conf, problems = from_toml(toml)
    if problems:
        raise EhxlError(problems[0].message, path=toml)
    return conf
