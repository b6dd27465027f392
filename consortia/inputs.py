"""Load and validate the input tables of a scenario into an :class:`Instance`.

Every problem is reported as a :class:`~consortia.errors.ConsortiaError` naming the file, the
data row (1 = first row after the header) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConsortiaError
from .scenario import DAYS, WEEKEND, Scenario, calendar_problem, parse_date

__all__ = ["CODE_PATTERN", "Trust", "Radiologist", "Instance", "read_trusts", "read_rosters", "read_demand",
           "read_links", "check_regions", "read_baseline", "load_instance", "check_references"]

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Trust:
    """One trust: its location, contract end and any extra columns of ``trusts.csv``."""

    code: str
    name: str
    lat: float
    lon: float
    contract_end: dt.date
    region: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def icb(self) -> str | None:
        """The trust's integrated care board (optional column ``icb``), or None."""
        return self.extra.get("icb") or None


@dataclass(frozen=True)
class Radiologist:
    """One radiologist: home trust, subspecialties and reporting sessions per day (mon..sun)."""

    trust: str
    radiologist: str
    subspecialties: frozenset[str]
    sessions: tuple[float, ...]


@dataclass(frozen=True)
class Instance:
    """The validated input tables of a scenario."""

    trusts: tuple[Trust, ...]
    radiologists: tuple[Radiologist, ...]
    demand: dict[str, tuple[float, ...]]
    links: tuple[tuple[str, str, str], ...] = ()
    files: dict[str, Path] = field(default_factory=dict, compare=False)
    baseline: dict[str, str] | None = None

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.trusts]

    def trust(self, code: str) -> Trust:
        return self._by_code()[code]

    def _by_code(self) -> dict[str, Trust]:
        cache = self.__dict__.get("_by_code_cache")
        if cache is None:
            cache = {t.code: t for t in self.trusts}
            object.__setattr__(self, "_by_code_cache", cache)
        return cache

    def _rosters(self) -> dict[str, tuple[tuple[float, ...], frozenset]]:
        cache = self.__dict__.get("_roster_cache")
        if cache is None:
            sessions: dict[str, list[float]] = {t.code: [0.0] * 7 for t in self.trusts}
            weekend: dict[str, set] = {t.code: set() for t in self.trusts}
            for r in self.radiologists:
                for d in range(7):
                    sessions[r.trust][d] += r.sessions[d]
                for day in WEEKEND:
                    if r.sessions[DAYS.index(day)] > 0:
                        weekend[r.trust].update((s, day) for s in r.subspecialties)
            cache = {c: (tuple(sessions[c]), frozenset(weekend[c])) for c in sessions}
            object.__setattr__(self, "_roster_cache", cache)
        return cache

    def capacity(self, code: str, reports_per_session: float) -> tuple[float, ...]:
        """Reports the trust's own radiologists can produce on each day mon..sun."""
        return tuple(s * reports_per_session for s in self._rosters()[code][0])

    def weekend_cover(self, code: str) -> frozenset[tuple[str, str]]:
        """(subspecialty, day) pairs for sat and sun that the trust's radiologists work."""
        return self._rosters()[code][1]

    def file_hashes(self) -> dict[str, dict]:
        """Path and SHA-256 of every input file."""
        return {kind: {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
                for kind, path in sorted(self.files.items())}


def _read_csv(path: Path, required: list[str], kind: str) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise ConsortiaError(f"{kind} file not found", file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConsortiaError("not a UTF-8 text file", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ConsortiaError("the header row: " + _csv_problem(exc), file=str(path)) from None
    if not header:
        raise ConsortiaError("the file is empty; expected a header row with columns "
                             + ", ".join(required), file=str(path))
    reader.fieldnames = header
    twice = next((c for i, c in enumerate(header) if c and c in header[:i]), None)
    if twice is not None:
        raise ConsortiaError(f"the header names column {twice!r} twice", file=str(path), column=twice)
    missing = [c for c in required if c not in header]
    if missing:
        raise ConsortiaError(f"missing column(s) {', '.join(missing)}; the header has "
                             f"{', '.join(header)}", file=str(path))
    rows = []
    while True:
        read = reader.line_num  # a row that cannot be parsed starts on the next line
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise ConsortiaError(_csv_problem(exc), file=str(path), row=read) from None
        if row is None:
            return rows
        number = reader.line_num - 1  # the row as an editor counts it: blank lines count too
        if None in row:
            raise ConsortiaError(f"more values than the {len(header)} header columns",
                                 file=str(path), row=number)
        cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        if all(v in ("", None) for v in cleaned.values()):
            continue
        short = [k for k, v in row.items() if v is None]
        if short:
            raise ConsortiaError(f"{len(header) - len(short)} values where the header has {len(header)} "
                                 f"columns (no value for {', '.join(short)})", file=str(path), row=number,
                                 column=short[0])
        rows.append((number, cleaned))


def _csv_problem(exc: csv.Error) -> str:
    """What a CSV parse error means, in the user's terms."""
    text = str(exc)
    if "field larger than field limit" in text:
        return (f"a value longer than {csv.field_size_limit():,} characters (an unclosed quote makes the "
                "rest of the file one value)")
    return f"not valid CSV: {text}"


def _number(row: dict, column: str, path: Path, number: int, *, low=None, high=None) -> float:
    raw = row.get(column)
    if raw in (None, ""):
        raise ConsortiaError("a number is required", file=str(path), row=number, column=column)
    try:
        value = float(raw)
    except ValueError:
        raise ConsortiaError(f"expected a number, got {raw!r}", file=str(path), row=number, column=column) from None
    if not math.isfinite(value):
        raise ConsortiaError(f"expected a finite number, got {raw!r}", file=str(path), row=number,
                             column=column)
    if low is not None and value < low:
        raise ConsortiaError(f"{raw} is below the minimum {low}", file=str(path), row=number, column=column)
    if high is not None and value > high:
        raise ConsortiaError(f"{raw} is above the maximum {high}", file=str(path), row=number, column=column)
    return value


def _code(row: dict, column: str, path: Path, number: int) -> str:
    code = row.get(column) or ""
    if not CODE_PATTERN.match(code):
        raise ConsortiaError(f"expected a trust code (letters, digits, '_', '-', '.'), got {code!r}",
                             file=str(path), row=number, column=column)
    return code


def _known(code: str, known: dict, path: Path, number: int, column: str) -> None:
    if code not in known:
        raise ConsortiaError(f"unknown trust {code!r}: not in trusts.csv", file=str(path), row=number,
                             column=column)


def read_trusts(path: Path) -> tuple[Trust, ...]:
    """Read and validate ``trusts.csv``."""
    required = ["code", "name", "lat", "lon", "contract_end"]
    trusts: dict[str, Trust] = {}
    for number, row in _read_csv(path, required, "trusts"):
        code = _code(row, "code", path, number)
        if code in trusts:
            raise ConsortiaError(f"trust code {code} appears twice", file=str(path), row=number, column="code")
        if not row["name"]:
            raise ConsortiaError("a name is required", file=str(path), row=number, column="name")
        lat = _number(row, "lat", path, number, low=-90, high=90)
        lon = _number(row, "lon", path, number, low=-180, high=180)
        try:
            end = parse_date(row["contract_end"])
        except ValueError:
            raise ConsortiaError(f"expected a date YYYY-MM-DD, got {row['contract_end']!r}",
                                 file=str(path), row=number, column="contract_end") from None
        if calendar_problem(end):
            raise ConsortiaError(calendar_problem(end), file=str(path), row=number, column="contract_end")
        extra = {k: v for k, v in row.items() if k and k not in required and k != "region"}
        trusts[code] = Trust(code, row["name"], lat, lon, end, row.get("region") or None, extra)
    if not trusts:
        raise ConsortiaError("no trusts: the file has a header but no rows", file=str(path))
    return tuple(trusts.values())


def read_rosters(path: Path, trusts: dict) -> tuple[Radiologist, ...]:
    """Read and validate ``rosters.csv``."""
    seen = set()
    out = []
    for number, row in _read_csv(path, ["trust", "radiologist", "subspecialties", *DAYS], "rosters"):
        trust = _code(row, "trust", path, number)
        _known(trust, trusts, path, number, "trust")
        name = row["radiologist"]
        if not name:
            raise ConsortiaError("a radiologist id is required", file=str(path), row=number,
                                 column="radiologist")
        if (trust, name) in seen:
            raise ConsortiaError(f"radiologist {name} appears twice for trust {trust}", file=str(path),
                                 row=number, column="radiologist")
        seen.add((trust, name))
        subs = frozenset(s.strip() for s in (row["subspecialties"] or "").split(";") if s.strip())
        sessions = tuple(_number(row, d, path, number, low=0) for d in DAYS)
        out.append(Radiologist(trust, name, subs, sessions))
    return tuple(out)


def read_demand(path: Path, trusts: dict) -> dict[str, tuple[float, ...]]:
    """Read and validate ``demand.csv``: exactly one row per trust."""
    demand: dict[str, tuple[float, ...]] = {}
    for number, row in _read_csv(path, ["trust", *DAYS], "demand"):
        trust = _code(row, "trust", path, number)
        _known(trust, trusts, path, number, "trust")
        if trust in demand:
            raise ConsortiaError(f"trust {trust} has a second demand row", file=str(path), row=number,
                                 column="trust")
        demand[trust] = tuple(_number(row, d, path, number, low=0) for d in DAYS)
    missing = [c for c in trusts if c not in demand]
    if missing:
        raise ConsortiaError(f"no demand row for trust(s) {', '.join(missing[:10])}"
                             + (" ..." if len(missing) > 10 else ""), file=str(path))
    return demand


def read_links(path: Path, trusts: dict) -> tuple[tuple[str, str, str], ...]:
    """Read and validate ``links.csv``."""
    links = {}
    for number, row in _read_csv(path, ["trust_a", "trust_b", "relation"], "links"):
        a = _code(row, "trust_a", path, number)
        b = _code(row, "trust_b", path, number)
        _known(a, trusts, path, number, "trust_a")
        _known(b, trusts, path, number, "trust_b")
        if a == b:
            raise ConsortiaError("a trust cannot be linked to itself", file=str(path), row=number,
                                 column="trust_b")
        relation = row["relation"]
        if relation not in ("share", "forbid"):
            raise ConsortiaError(f"relation must be 'share' or 'forbid', got {relation!r}",
                                 file=str(path), row=number, column="relation")
        pair = tuple(sorted((a, b)))
        if pair in links and links[pair] != relation:
            raise ConsortiaError(f"{a}-{b} is listed both as share and as forbid", file=str(path),
                                 row=number, column="relation")
        links[pair] = relation
    return tuple((a, b, r) for (a, b), r in links.items())


def check_regions(path: Path) -> None:
    """The regions file exists and GDAL reads it as polygons (maps are drawn only after solving)."""
    if not path.is_file():
        raise ConsortiaError("regions file not found", file=str(path))
    import pyogrio
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise ConsortiaError(f"not a readable GeoJSON file of region polygons ({exc})", file=str(path)) from None
    if info["features"] == 0 or info["geometry_type"] not in ("Polygon", "MultiPolygon", "Unknown"):
        raise ConsortiaError(f"expected region polygons, found {info['features']} feature(s) of type "
                             f"{info['geometry_type']}", file=str(path))


def read_baseline(path: Path) -> dict[str, str]:
    """Trust -> consortium of an earlier plan's ``assignments.csv`` (trusts no longer in the
    data are kept; they simply match no planned trust)."""
    if not path.is_file():
        raise ConsortiaError("baseline is not a plan folder (no assignments.csv)", file=str(path.parent))
    out = {}
    for number, row in _read_csv(path, ["trust", "consortium"], "baseline plan"):
        trust, consortium = row.get("trust") or "", row.get("consortium") or ""
        if not trust or not consortium:
            raise ConsortiaError("trust and consortium are required", file=str(path), row=number)
        if trust in out:
            raise ConsortiaError(f"trust {trust} is listed twice", file=str(path), row=number, column="trust")
        out[trust] = consortium
    return out


def load_instance(scenario: Scenario) -> Instance:
    """Read every input file a scenario names, validated against each other and the directives."""
    files = {"trusts": scenario.inputs.trusts, "rosters": scenario.inputs.rosters,
             "demand": scenario.inputs.demand}
    trusts = read_trusts(scenario.inputs.trusts)
    by_code = {t.code: t for t in trusts}
    radiologists = read_rosters(scenario.inputs.rosters, by_code)
    demand = read_demand(scenario.inputs.demand, by_code)
    links: tuple = ()
    if scenario.inputs.links is not None:
        links = read_links(scenario.inputs.links, by_code)
        files["links"] = scenario.inputs.links
    if scenario.inputs.regions is not None:
        check_regions(scenario.inputs.regions)
        files["regions"] = scenario.inputs.regions
    baseline = None
    if scenario.baseline is not None:
        files["baseline"] = scenario.baseline / "assignments.csv"
        baseline = read_baseline(files["baseline"])
    instance = Instance(trusts, radiologists, demand, links, files, baseline)
    check_references(scenario, instance)
    return instance


def check_references(scenario: Scenario, instance: Instance) -> None:
    """Every trust a directive names exists; settings that need a column find it."""
    where = str(scenario.source) if scenario.source else "<scenario>"
    known = set(instance.codes)
    d = scenario.directives

    def need(code: str, key: str) -> None:
        if code not in known:
            raise ConsortiaError(f"unknown trust {code!r}: not in {scenario.inputs.trusts.name}",
                                 file=where, key=key)

    for kind in ("together", "apart"):
        for i, pair in enumerate(getattr(d, kind)):
            for code in pair:
                need(code, f"directives.{kind}[{i}]")
    for i, code in enumerate(d.exclude):
        need(code, f"directives.exclude[{i}]")
    for i, fixed in enumerate(d.fixed):
        for code in fixed.members:
            need(code, f"directives.fixed[{i}].members")
            if code in d.exclude:
                raise ConsortiaError(f"trust {code} is both excluded and in a fixed consortium",
                                     file=where, key=f"directives.fixed[{i}].members")
    for i, pin in enumerate(d.pin):
        need(pin.trust, f"directives.pin[{i}].trust")
        if pin.trust in d.exclude:
            raise ConsortiaError(f"trust {pin.trust} is excluded, so it cannot be pinned", file=where,
                                 key=f"directives.pin[{i}].trust")
    for kind in ("together", "apart"):
        for i, pair in enumerate(getattr(d, kind)):
            for code in pair:
                if code in d.exclude:
                    raise ConsortiaError(f"trust {code} is excluded, so it cannot be in a pair",
                                         file=where, key=f"directives.{kind}[{i}]")
    if scenario.network.same_region:
        missing = [t.code for t in instance.trusts if not t.region]
        if missing:
            raise ConsortiaError(f"network.same_region needs a 'region' for every trust; missing for "
                                 f"{', '.join(missing[:10])}", file=str(scenario.inputs.trusts),
                                 column="region")
    for i, req in enumerate(scenario.cover.weekend_subspecialties):
        if not any(req in r.subspecialties for r in instance.radiologists):
            raise ConsortiaError(f"no radiologist in {scenario.inputs.rosters.name} has subspecialty "
                                 f"{req!r}", file=where, key=f"cover.weekend_subspecialties[{i}]")
    if len(set(instance.codes) - set(d.exclude)) == 0:
        raise ConsortiaError("every trust is excluded; nothing to plan", file=where, key="directives.exclude")
