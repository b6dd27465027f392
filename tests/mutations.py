"""Hypothesis strategies that damage a copy of the demo's input files and settings the way a careless
or hostile user would (issue #12), and the helpers that apply them and judge the command's answer.

A mutation is a small frozen record (what to do, to which file, where) so that Hypothesis can shrink
it and a failure prints as something a person can replay by hand. Three levels:

- bytes: truncate, insert a NUL / control / quote / newline character or bad UTF-8, a BOM, CRLF or
  lone CR line ends, delete / duplicate / swap lines, swap two columns, random unicode, a very long
  field;
- fields (CSV): one cell set to a huge, negative, non-finite, underscored, empty or textual number,
  an impossible / out-of-range / other-format date, a duplicated, missing or unknown code;
- YAML (the scenario): a value of the wrong type, an unknown or deleted key, deep nesting, shared
  anchors and aliases, an alias bomb, input paths that point at the wrong file or nowhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import strategies as st

CSV_FILES = ("trusts.csv", "rosters.csv", "demand.csv", "links.csv")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# ---------------------------------------------------------------------------------------------
# settings (--set KEY=VALUE and flags)

KEYS = ["name", "description", "planning.start", "planning.periods", "planning.period_months",
        "planning.lead_time_months", "planning.max_extension_months", "planning.max_early_exit_months",
        "market.capacity", "network.max_distance_km", "network.membership", "consortium.min_size",
        "consortium.max_size", "consortium.allow_standalone", "cover.mode", "cover.reports_per_session",
        "cover.min_ratio", "cover.weekend_subspecialties", "rota.one_in", "rota.weeks", "rota.tolerance",
        "objective.timing", "objective.distance", "objective.standalone", "solver.gap", "solver.threads",
        "solver.method"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10, max_value=300), st.integers(), st.sampled_from([10**9, -(10**18), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e20, 1e308, -0.0, 1e-300]),
    st.dates().map(str), st.sampled_from(["2014-02-30", "9999-12-31", "0001-01-01", "2013-07-01"]),
    st.sampled_from(["clique", "connected", "soft", "hard", "columns", "compact", "neuro", ""]),
    st.text(max_size=20))
wild = st.one_of(scalars, st.lists(scalars, max_size=3))
plausible = st.one_of(st.integers(min_value=0, max_value=14), st.floats(min_value=0, max_value=100),
                      st.sampled_from(["clique", "connected", "soft", "hard", "enumerate", "2014-01-01"]))
values = st.one_of(wild, plausible)  # about half the runs get values a solve can start from



def as_yaml(value) -> str:
    """``value`` as one line of YAML, the way a user would type it after ``--set KEY=``."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text[:-4].strip() if text.endswith("\n...") or text.endswith(" ...") else text


def set_args(changes, raw: bool) -> list[str]:
    """``--set`` arguments for (key, value) pairs; ``raw`` passes strings unquoted."""
    args = []
    for key, value in changes:
        args += ["--set", f"{key}={value if raw and isinstance(value, str) else as_yaml(value)}"]
    return args


sets = st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=2)
flags = st.lists(st.one_of(
    st.tuples(st.just("--threads"), st.sampled_from(["1", "2", "0", "-3", "100000", "x"])),
    st.tuples(st.just("--gap"), st.sampled_from(["0", "0.01", "-1", "nan", "inf", "1e308"])),
    st.tuples(st.just("--method"), st.sampled_from(["auto", "compact", "columns", "enumerate", "simplex"])),
    st.tuples(st.just("--moved"), st.sampled_from(["0", "5", "-1", "nan"]))), max_size=2)
time_limits = st.sampled_from(["2", "2", "2", "0.5", "0.01", "0", "-1", "nan", "inf", "1e-300"])

# ---------------------------------------------------------------------------------------------
# mutations of files


@dataclass(frozen=True)
class Mutation:
    """One change to one input file: ``op`` with its arguments (positions are fractions of the file
    or indexes taken modulo the number of lines / rows / columns, so any draw applies)."""

    file: str
    op: str
    args: tuple = ()

    def describe(self) -> str:
        return f"{self.file}: {self.op}{self.args!r}"


fraction = st.floats(min_value=0, max_value=1)
index = st.integers(min_value=0, max_value=10_000)
INSERTS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", '"', "'", ",", ";", "\n", "\r", "\t", "\u2028", "\ufeff",
           "\u202e", "\u00a0", "\udcff"]
byte_ops = st.one_of(
    st.tuples(st.just("truncate"), fraction),
    st.tuples(st.just("insert"), fraction, st.sampled_from(INSERTS)),
    st.tuples(st.just("insert"), fraction, st.text(min_size=1, max_size=8)),
    st.tuples(st.just("bad_utf8"), fraction, st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff"])),
    st.tuples(st.just("bom"), st.sampled_from(["utf-8", "utf-16", "twice"])),
    st.tuples(st.just("line_ends"), st.sampled_from(["\r\n", "\r", "\n\n"])),
    st.tuples(st.just("delete_line"), index),
    st.tuples(st.just("duplicate_line"), index),
    st.tuples(st.just("swap_lines"), index, index),
    st.tuples(st.just("long_field"), fraction, st.sampled_from([5_000, 131_073, 300_000])))
csv_only_ops = st.one_of(
    st.tuples(st.just("swap_columns"), index, index, st.booleans()),
    st.tuples(st.just("blank_field"), index, index),
    st.tuples(st.just("drop_column"), index))

NUMBERS = ["1e308", "1e20", "-1", "-0", "-1e-9", "nan", "NaN", "inf", "-inf", "infinity", "5_2.4", "",
           "abc", "1,5", "0x10", "1e309", "99999999999999999999", "0", "2.5", " 3 ", "+4"]
DATES = ["2014-02-30", "2014-13-01", "2014-00-10", "31/12/2014", "2014/12/31", "2014-6-30", "20141231",
         "2014-W01-1", "2014-06-30T00:00", "0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "",
         "soon", "2014-06-31", "2016-02-29", "2015-02-29"]
CODE_VALUES = ["", "ZZZ", "dma", "DM A", "DMA;DMB", "-DMA", "DMA\x00", "ÐMA"]
field_values = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES), st.sampled_from(CODE_VALUES),
                         st.text(max_size=12).filter(lambda s: "\n" not in s and "\r" not in s))
field_ops = st.one_of(
    st.tuples(st.just("set_field"), index, st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20),
              field_values),
    st.tuples(st.just("copy_code"), index, index))

YAML_PATHS = ["name", "description", "synthetic", "inputs", "inputs.trusts", "inputs.rosters", "inputs.demand",
              "inputs.links", "planning", "planning.start", "planning.periods", "planning.period_months",
              "planning.lead_time_months", "planning.max_extension_months", "planning.max_early_exit_months",
              "market", "market.capacity", "network", "network.max_distance_km", "network.membership",
              "consortium", "consortium.min_size", "consortium.max_size", "consortium.allow_standalone", "cover",
              "cover.mode", "cover.reports_per_session", "cover.min_ratio", "cover.weekend_subspecialties", "rota",
              "rota.one_in", "rota.weeks", "objective", "objective.timing", "objective.distance",
              "objective.standalone", "solver", "solver.name", "solver.time_limit", "directives", "costs",
              "output", "output.folder", "nonsense", "planning.nonsense"]
PATH_VALUES = ["missing.csv", "trusts.csv", "rosters.csv", "demand.csv", "links.csv", "scenario.yaml", ".",
               "..", "../demo/trusts.csv", "/dev/null", "", "trusts.csv\x00", "/", "~/x.csv"]
yaml_values = st.one_of(wild, st.dictionaries(st.text(max_size=6), scalars, max_size=3),
                        st.sampled_from(PATH_VALUES),
                        st.integers(min_value=1, max_value=200).map(lambda n: {"deep": n}))
BATCH_PATHS = ["name", "description", "base", "overrides", "overrides.solver.time_limit", "scenarios",
               "scenarios.baseline", "scenarios.soft-cover", "scenarios.soft-cover.cover.mode", "grids",
               "grids.distance-capacity", "grids.distance-capacity.network.max_distance_km", "executor", "workers",
               "output", "nonsense"]


def yaml_ops(paths: list[str]):
    """Changes of the YAML document at ``paths`` (dotted, created where missing)."""
    return st.one_of(
        st.tuples(st.just("yaml_set"), st.sampled_from(paths), yaml_values),
        st.tuples(st.just("yaml_delete"), st.sampled_from(paths)),
        st.tuples(st.just("yaml_alias"), st.sampled_from(paths), st.sampled_from(paths)),
        st.tuples(st.just("yaml_bomb"), st.sampled_from(paths), st.integers(min_value=1, max_value=9)),
        st.tuples(st.just("yaml_text"), st.sampled_from(["tabs", "flow", "duplicate_key", "merge_key", "tag",
                                                          "document_twice", "anchor_only"])))


@st.composite
def mutation(draw, files=CSV_FILES + ("scenario.yaml",)) -> Mutation:
    """One mutation of one of ``files``."""
    file = draw(st.sampled_from(files))
    if file.endswith(".yaml"):
        op = draw(st.one_of(byte_ops, yaml_ops(BATCH_PATHS if file == "batch.yaml" else YAML_PATHS)))
    else:
        op = draw(st.one_of(byte_ops, csv_only_ops, field_ops))
    return Mutation(file, op[0], tuple(op[1:]))


@st.composite
def field_mutation(draw) -> Mutation:
    """One cell of one CSV file set to a bad (or borderline) value; the row and column are known."""
    file = draw(st.sampled_from(CSV_FILES[:3]))
    row = draw(index)
    column = draw(st.sampled_from(COLUMNS[file]))
    value = draw(st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES), st.sampled_from(CODE_VALUES)))
    return Mutation(file, "set_cell", (row, column, value))


COLUMNS = {"trusts.csv": ["code", "name", "lat", "lon", "contract_end"],
           "rosters.csv": ["trust", "radiologist", *DAYS],
           "demand.csv": ["trust", *DAYS]}


NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)
HEADERS = ["icb", "geometry", "fid", "layer", "GEOMETRY", "Name", "consortium", "go_live", "alone_ratio_mon", "x y",
           "ünïcødé", "input_fid", "note", "Region", "standalone"]
plausible_cells = st.one_of(
    st.tuples(st.just("lat"), st.floats(min_value=50.5, max_value=53.5).map(lambda v: f"{v:.5f}")),
    st.tuples(st.just("lon"), st.floats(min_value=-3.0, max_value=0.0).map(lambda v: f"{v:.5f}")),
    st.tuples(st.just("contract_end"), st.dates(min_value=dt.date(2012, 1, 1),
                                                max_value=dt.date(2017, 12, 31)).map(str)),
    st.tuples(st.just("name"), NAMES),
    st.tuples(st.just("region"), st.one_of(st.just(""), NAMES)),
    st.tuples(st.sampled_from(DAYS), st.integers(min_value=0, max_value=400).map(str)))
plausible_ops = st.one_of(
    st.tuples(st.just("plausible_cell"), st.sampled_from(["trusts.csv", "rosters.csv", "demand.csv"]), index,
              plausible_cells),
    st.tuples(st.just("add_column"), st.sampled_from(HEADERS), st.lists(st.one_of(st.just(""), NAMES), min_size=1,
                                                                        max_size=3)),
    st.tuples(st.just("remove_trust"), index),
    st.tuples(st.just("delete_roster_line"), index),
    st.tuples(st.just("reverse_rows"), st.sampled_from(CSV_FILES)),
    st.tuples(st.just("yaml_set"), st.sampled_from(KEYS), plausible))


@st.composite
def plausible_mutation(draw) -> Mutation:
    """A change that leaves the input valid (or nearly): new names, places, dates, sessions, extra
    columns, a trust removed from every file, rows reordered, a plausible setting."""
    op = draw(plausible_ops)
    if op[0] == "plausible_cell":
        return Mutation(op[1], "plausible_cell", tuple(op[2:]))
    if op[0] == "reverse_rows":
        return Mutation(op[1], "reverse_rows")
    if op[0] == "yaml_set":
        return Mutation("scenario.yaml", "yaml_set", tuple(op[1:]))
    file = "rosters.csv" if op[0] == "delete_roster_line" else "trusts.csv"
    return Mutation(file, op[0], tuple(op[1:]))


# ---------------------------------------------------------------------------------------------
# applying mutations


def _at(n: int, fraction_: float) -> int:
    return min(n, int(n * fraction_))


def _rows(text: str) -> list[list[str]]:
    """The CSV rows of ``text``; none when Python's reader cannot parse it (then the op does nothing)."""
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


def _write_rows(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _nest(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def _yaml_path(data: dict, dotted: str):
    """(mapping, key) of a dotted path, creating mappings on the way where a value is not one."""
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    return node, parts[-1]


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines)


def apply(mutation_: Mutation, folder: Path) -> None:
    """Change ``folder / mutation_.file`` in place."""
    path = folder / mutation_.file
    op, args = mutation_.op, mutation_.args
    data = path.read_bytes()
    text = data.decode("utf-8", errors="surrogateescape")
    if op == "truncate":
        data = data[:_at(len(data), args[0])]
    elif op == "insert":
        at = _at(len(text), args[0])
        data = (text[:at] + args[1] + text[at:]).encode("utf-8", errors="surrogateescape")
    elif op == "bad_utf8":
        at = _at(len(data), args[0])
        data = data[:at] + args[1] + data[at:]
    elif op == "bom":
        data = {"utf-8": b"\xef\xbb\xbf" + data, "twice": b"\xef\xbb\xbf\xef\xbb\xbf" + data,
                "utf-16": text.encode("utf-16", errors="surrogatepass")}[args[0]]
    elif op == "line_ends":
        data = text.replace("\n", args[0]).encode("utf-8", errors="surrogateescape")
    elif op in ("delete_line", "duplicate_line", "swap_lines"):
        lines = text.splitlines(keepends=True)
        if lines:
            i = args[0] % len(lines)
            if op == "delete_line":
                del lines[i]
            elif op == "duplicate_line":
                lines.insert(i, lines[i])
            else:
                j = args[1] % len(lines)
                lines[i], lines[j] = lines[j], lines[i]
        data = "".join(lines).encode("utf-8", errors="surrogateescape")
    elif op == "long_field":
        at = _at(len(text), args[0])
        data = (text[:at] + "x" * args[1] + text[at:]).encode("utf-8", errors="surrogateescape")
    elif op == "remove_trust":
        _remove_trust(folder, args[0])
        return
    elif op in ("swap_columns", "blank_field", "drop_column", "set_field", "copy_code", "set_cell", "plausible_cell",
                "add_column", "delete_roster_line", "reverse_rows"):
        data = _field_op(op, args, text).encode("utf-8", errors="surrogateescape")
    elif op.startswith("yaml_"):
        data = _yaml_op(op, args, text, folder).encode("utf-8", errors="surrogateescape")
    else:
        raise ValueError(op)
    path.write_bytes(data)


def _field_op(op: str, args: tuple, text: str) -> str:
    rows = _rows(text)
    if not rows:
        return text
    header = rows[0]
    width = len(header)
    if op == "swap_columns":
        i, j = args[0] % width, args[1] % width
        for row in rows[:1] if args[2] else rows:
            if len(row) > max(i, j):
                row[i], row[j] = row[j], row[i]
    elif op == "drop_column":
        i = args[0] % width
        rows = [row[:i] + row[i + 1:] for row in rows]
    elif op == "blank_field" and len(rows) > 1:
        row = rows[1 + args[0] % (len(rows) - 1)]
        if row:
            row[args[1] % len(row)] = ""
    elif op in ("set_field", "set_cell") and len(rows) > 1:
        row = rows[1 + args[0] % (len(rows) - 1)]
        column = args[1] if args[1] in header else header[hash_index(args[1], width)]
        if header.index(column) < len(row):
            row[header.index(column)] = args[2]
    elif op == "plausible_cell" and len(rows) > 1 and args[1][0] in header:
        row = rows[1 + args[0] % (len(rows) - 1)]
        if header.index(args[1][0]) < len(row):
            row[header.index(args[1][0])] = args[1][1]
    elif op == "add_column":
        rows[0].append(args[0])
        for i, row in enumerate(rows[1:]):
            if row:
                row.append(args[1][i % len(args[1])])
    elif op == "delete_roster_line" and len(rows) > 1:
        del rows[1 + args[0] % (len(rows) - 1)]
    elif op == "reverse_rows":
        rows = rows[:1] + rows[:0:-1]
    elif op == "copy_code" and len(rows) > 2:
        a, b = 1 + args[0] % (len(rows) - 1), 1 + args[1] % (len(rows) - 1)
        if rows[a] and rows[b]:
            rows[a][0] = rows[b][0]
    return _write_rows(rows)


def _remove_trust(folder: Path, i: int) -> None:
    """Take one trust out of every file that names it (a valid, smaller demo)."""
    trusts = _rows((folder / "trusts.csv").read_text(encoding="utf-8", errors="surrogateescape"))
    if len(trusts) < 2 or not trusts[1 + i % (len(trusts) - 1)]:
        return
    code = trusts[1 + i % (len(trusts) - 1)][0]
    for name in CSV_FILES:
        path = folder / name
        rows = _rows(path.read_text(encoding="utf-8", errors="surrogateescape"))
        if not rows:
            continue
        kept = rows[:1] + [r for r in rows[1:] if code not in r[:2]]
        path.write_text(_write_rows(kept), encoding="utf-8", errors="surrogateescape")


def hash_index(name: str, width: int) -> int:
    """A stable column index for a drawn name that is not a column (Python's hash() is salted)."""
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % width


def cell_row(mutation_: Mutation, folder_before: Path) -> int:
    """The data row (1 = first row after the header, as the readers count) a ``set_cell`` changed."""
    rows = _rows((folder_before / mutation_.file).read_text(encoding="utf-8"))
    return 1 + mutation_.args[0] % (len(rows) - 1)


def _yaml_op(op: str, args: tuple, text: str, folder: Path) -> str:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        return text
    if op == "yaml_set":
        value = args[1]
        if isinstance(value, dict) and set(value) == {"deep"}:
            value = _nest(value["deep"])
        node, key = _yaml_path(data, args[0])
        node[key] = value
    elif op == "yaml_delete":
        node, key = _yaml_path(data, args[0])
        node.pop(key, None)
    elif op == "yaml_alias":
        source, key = _yaml_path(data, args[0])
        shared = source.get(key)
        if not isinstance(shared, (dict, list)):
            shared = [shared]
            source[key] = shared
        node, key = _yaml_path(data, args[1])
        node[key] = shared  # the same object twice: the dumper writes an anchor and an alias
    elif op == "yaml_bomb":
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return _bomb(args[1]) + "\n" + body.replace(f"\n{args[0].split('.')[0]}:",
                                                    f"\n{args[0].split('.')[0]}: *a{args[1]}\nx_{args[0]}:", 1)
    elif op == "yaml_text":
        return _yaml_text(args[0], text)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


class _Dumper(yaml.SafeDumper):
    """Writes anchors for shared objects (the safe dumper's default) and any Python value as text."""


_Dumper.add_multi_representer(object, lambda d, v: d.represent_str(repr(v)))


def _yaml_text(kind: str, text: str) -> str:
    if kind == "tabs":
        return text.replace("  ", "\t")
    if kind == "flow":
        return yaml.safe_dump(yaml.safe_load(text), default_flow_style=True)
    if kind == "duplicate_key":
        return text + "\nplanning:\n  periods: 4\n"
    if kind == "merge_key":
        return text.replace("solver:\n", "defaults: &d {time_limit: 5}\nsolver:\n  <<: *d\n", 1)
    if kind == "tag":
        return text.replace("periods: 12", "periods: !!python/object/apply:os.system ['true']", 1)
    if kind == "document_twice":
        return text + "\n---\n" + text
    return text.replace("max_distance_km: 60", "max_distance_km: &km 60", 1)


# ---------------------------------------------------------------------------------------------
# judging the outcome

PLACE = re.compile(r"row \d+|column '|key '|line \d+|--[a-z][a-z-]+|argument -")
WHOLE_FILE = ("not a UTF-8 text file", "the file is empty", "missing column(s)", "file not found",
              "no trusts: the file has a header but no rows", "no demand row for trust", "not a plan folder",
              "cannot read or write", "the header names column", "the header row: ", "the document holds",
              "a batch file is a mapping")
FILE = re.compile(r"[\w.-]+\.(csv|yaml|yml|geojson)\b")


def names_a_place(text: str) -> bool:
    """An exit-2 message names where the problem is: a row, column, YAML key or line, or a flag;
    or, for a problem of a whole file (empty, not UTF-8, missing columns), that file."""
    if PLACE.search(text):
        return True
    return bool(FILE.search(text)) and any(phrase in text for phrase in WHOLE_FILE)


def snapshot(folder: Path, skip: str) -> dict[str, tuple]:
    """Every entry under ``folder`` except ``folder / skip``: kind, size, mtime and content hash."""
    found = {}
    for root, dirs, files in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        if rel_root.parts[:1] == (skip,):
            continue
        for name in dirs:
            if (rel_root / name).parts[:1] != (skip,):
                found[str(rel_root / name)] = ("dir",)
        for name in files:
            path = Path(root) / name
            stat = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            found[str(rel_root / name)] = ("file", stat.st_size, stat.st_mtime_ns, digest)
    return found


class Hang(BaseException):
    """A command still running after the watchdog's limit (not an ``Exception``, so that the
    command line's last line of defence does not turn it into exit 4)."""


class watchdog:
    """Raise :class:`Hang` in the main thread after ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def _fire(self, signum, frame):
        raise Hang(f"still running after {self.seconds:g} s")

    def __enter__(self):
        self.previous = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        return False
