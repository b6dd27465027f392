"""Bad input: each mistake gives exit code 2 and one message naming the file and row and column,
or the YAML key, with no traceback; nothing is written.

Each test damages one file of a good three-trust scenario and runs ``consortia solve`` in
process; a few run the real command in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from cases import case

from consortia import load_scenario
from consortia.cli import main

LINKS = [{"trust_a": "A", "trust_b": "C", "relation": "share"}]


@pytest.fixture
def good(tmp_path):
    """A valid scenario folder: trusts A, B, C (rows 1-3), rosters, demand and links."""
    case(tmp_path / "in", {"A": (0, "2014-07-01"), "B": (10, "2014-07-01"), "C": (20, "2014-10-01")},
         links=LINKS)
    return tmp_path / "in"


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_yaml(folder, change) -> None:
    path = folder / "scenario.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def solve_fails(folder, capsys, *flags) -> str:
    """Run ``consortia solve`` on the folder's scenario; assert exit 2 and no output; return stderr."""
    out = folder.parent / "plan"
    code = main(["solve", str(folder / "scenario.yaml"), "--out", str(out), "--no-maps", "--quiet", *flags])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert not out.exists()
    return " ".join(err.split())


def test_good_scenario_solves(good, capsys):
    assert main(["solve", str(good / "scenario.yaml"), "--out", str(good.parent / "plan"), "--no-maps",
                 "--quiet"]) == 0
    assert (good.parent / "plan" / "plan.yaml").is_file()


CSV_MISTAKES = {
    "missing file": ("rosters.csv", None, None, ["rosters.csv", "not found"]),
    "missing column": ("trusts.csv", "code,name,lat,lon", "code,name,latitude,lon",
                       ["trusts.csv", "missing column(s) lat"]),
    "non-numeric lat": ("trusts.csv", "B,Trust B (fictional),52.",  "B,Trust B (fictional),fifty-two.",
                        ["trusts.csv", "row 2", "column 'lat'", "expected a number"]),
    "lat out of range": ("trusts.csv", "C,Trust C (fictional),52.", "C,Trust C (fictional),152.",
                         ["trusts.csv", "row 3", "column 'lat'", "above the maximum 90"]),
    "bad date": ("trusts.csv", "2014-10-01", "2014-10-32",
                 ["trusts.csv", "row 3", "column 'contract_end'", "YYYY-MM-DD"]),
    "duplicate code": ("trusts.csv", "\nC,", "\nA,", ["trusts.csv", "row 3", "column 'code'", "A appears twice"]),
    "roster for unknown trust": ("rosters.csv", "\nB,B-0,", "\nZZ,B-0,",
                                 ["rosters.csv", "row 3", "column 'trust'", "unknown trust 'ZZ'"]),
    "negative sessions": ("rosters.csv", ",2,2,2,2,2,1,1\nB", ",2,2,2,2,2,-1,1\nB",
                          ["rosters.csv", "row 2", "column 'sat'", "below the minimum 0"]),
    "demand missing for a trust": ("demand.csv", "\nB,10,10,10,10,10,5,5", "",
                                   ["demand.csv", "no demand row for trust(s) B"]),
    "unknown relation": ("links.csv", "share", "friends",
                         ["links.csv", "row 1", "column 'relation'", "'share' or 'forbid'", "'friends'"]),
}


@pytest.mark.parametrize("name", CSV_MISTAKES)
def test_bad_csv_is_reported_by_file_row_and_column(good, capsys, name):
    file, old, new, expected = CSV_MISTAKES[name]
    if old is None:
        (good / file).unlink()
    else:
        edit(good / file, old, new)
    err = solve_fails(good, capsys)
    for part in expected:
        assert part in err, f"{part!r} not in: {err}"


YAML_MISTAKES = {
    "unknown top-level key": (lambda d: d.update(netwrk={}), ["key 'netwrk'", "did you mean 'network'?"]),
    "unknown nested key": (lambda d: d.update(network={"max_distnce_km": 50}),
                           ["key 'network.max_distnce_km'", "did you mean 'max_distance_km'?"]),
    "wrong type": (lambda d: d["planning"].update(periods="three"),
                   ["key 'planning.periods'", "expected a whole number", "'three'"]),
    "start not the 1st": (lambda d: d["planning"].update(start="2014-01-15"),
                          ["key 'planning.start'", "1st of a month"]),
    "path-like name": (lambda d: d.update(name="../evil"), ["key 'name'", "letters, digits"]),
    "unknown trust in a directive": (lambda d: d.update(directives={"together": [["A", "ZZ"]]}),
                                     ["key 'directives.together[0]'", "unknown trust 'ZZ'"]),
    "unknown excluded trust": (lambda d: d.update(directives={"exclude": ["A", "Q9"]}),
                               ["key 'directives.exclude[1]'", "unknown trust 'Q9'"]),
    "list expected": (lambda d: d.update(cover={"weekend_subspecialties": "neuro"}),
                      ["key 'cover.weekend_subspecialties'", "expected a list"]),
    "subspecialty listed twice": (lambda d: d.update(cover={"weekend_subspecialties": ["msk", "msk"]}),
                                  ["key 'cover.weekend_subspecialties[1]'", "'msk' is listed twice"]),
    "fixed name used twice": (lambda d: d.update(directives={"fixed": [{"members": ["A"], "name": "X"},
                                                                       {"members": ["B"], "name": "X"}]}),
                              ["key 'directives.fixed[1].name'", "already named 'X'"]),
}


@pytest.mark.parametrize("name", YAML_MISTAKES)
def test_bad_yaml_is_reported_by_key(good, capsys, name):
    change, expected = YAML_MISTAKES[name]
    edit_yaml(good, change)
    err = solve_fails(good, capsys)
    assert "scenario.yaml" in err
    for part in expected:
        assert part in err, f"{part!r} not in: {err}"


@pytest.mark.parametrize("text, expected", [
    ('{"type": "Feature', "not a readable GeoJSON file"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     '"geometry": {"type": "Point", "coordinates": [-1.5, 52]}}]}', "expected region polygons"),
])
def test_bad_regions_file_is_found_before_solving(good, capsys, text, expected):
    (good / "regions.geojson").write_text(text, encoding="utf-8")
    edit_yaml(good, lambda d: d["inputs"].update(regions="regions.geojson"))
    err = solve_fails(good, capsys)
    assert "regions.geojson" in err and expected in err


def test_key_given_twice_is_rejected(good, capsys):
    path = good / "scenario.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "planning: {start: 2014-01-01, periods: 2}\n",
                    encoding="utf-8")
    err = solve_fails(good, capsys)
    assert "scenario.yaml" in err and "key 'planning' appears twice" in err


def test_exponent_numbers_are_numbers(good, capsys):
    """YAML 1.1 reads 1e-4 as text; a scenario means a number."""
    path = good / "scenario.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("gap: 0.0", "gap: 1e-4"), encoding="utf-8")
    assert load_scenario(path).solver.gap == 1e-4


def test_rows_are_counted_as_an_editor_shows_them(good, capsys):
    edit(good / "trusts.csv", "\nB,", "\n\nB,")
    edit(good / "trusts.csv", "\nC,Trust C (fictional),52.", "\nC,Trust C (fictional),x52.")
    assert "trusts.csv, row 4, column 'lat'" in solve_fails(good, capsys)


def test_path_like_name_writes_nothing_outside(good, capsys):
    edit_yaml(good, lambda d: d.update(name="../evil"))
    assert main(["solve", str(good / "scenario.yaml"), "--no-maps", "--quiet"]) == 2
    assert sorted(p.name for p in good.parent.iterdir()) == ["in"]


def test_yaml_python_tag_is_rejected_without_running_it(good, capsys):
    marker = good.parent / "pwned"
    text = (good / "scenario.yaml").read_text(encoding="utf-8")
    (good / "scenario.yaml").write_text(f"{text}description: !!python/object/apply:os.system "
                                        f"['touch {marker}']\n", encoding="utf-8")
    err = solve_fails(good, capsys)
    assert "scenario.yaml" in err and "not valid YAML" in err
    assert not marker.exists()


@pytest.mark.parametrize("flags, expected", [
    (["--time-limit", "-5"], "--time-limit must be a positive number"),
    (["--time-limit", "nan"], "--time-limit must be a positive number"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--gap", "-0.1"], "--gap must be >= 0"),
])
def test_bad_flag_values(good, capsys, flags, expected):
    assert expected in solve_fails(good, capsys, *flags)


def test_unparsable_flag_exits_2(good, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["solve", str(good / "scenario.yaml"), "--time-limit", "soon"])
    assert exit_.value.code == 2
    assert "--time-limit" in capsys.readouterr().err


def test_out_folder_that_is_not_a_plan_is_refused_and_untouched(good, capsys):
    mine = good.parent / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    code = main(["solve", str(good / "scenario.yaml"), "--out", str(mine), "--no-maps", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "not a consortia plan folder" in err
    assert [p.name for p in mine.iterdir()] == ["thesis.docx"]
    assert (mine / "thesis.docx").read_bytes() == b"years of work"


def test_out_folder_inside_a_file_is_refused(good, capsys):
    code = main(["solve", str(good / "scenario.yaml"), "--out", str(good / "trusts.csv" / "plan"), "--quiet"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "trusts.csv: it is a file" in err


@pytest.mark.parametrize("args, expected", [
    (["solve", "{in}/nope.yaml"], "nope.yaml: scenario file not found"),
    (["check", "{in}/scenario.yaml", "{in}/nope.csv"], "nope.csv"),
])
def test_subprocess_errors_have_no_traceback(good, args, expected):
    """The installed command, as a user runs it."""
    run = subprocess.run([sys.executable, "-m", "consortia.cli", *(a.format(**{"in": good}) for a in args)],
                         capture_output=True, text=True, cwd=good.parent, timeout=60)
    assert run.returncode == 2, run.stderr
    assert expected in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr


# ----------------------------------------------------------------------------- the CSV reader


def _table(tmp_path, text: str, required=("a", "b")):
    from consortia.csvfile import read_table
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return read_table(path, required)


def _refused(tmp_path, text: str) -> str:
    from consortia.errors import ConsortiaError
    with pytest.raises(ConsortiaError) as caught:
        _table(tmp_path, text)
    return str(caught.value)


def test_rows_keep_their_editor_numbers_across_blank_lines_and_quoted_commas(tmp_path):
    table = _table(tmp_path, 'a,b\r\n1,"x, y"\r\n\r\n2,\tz \r\n')
    assert [n for n, _ in table] == [1, 3]
    assert [r["b"] for _, r in table] == ["x, y", "z"]


@pytest.mark.parametrize("text, words", [
    ('a,b\n1,2\n3,"open\n4,5\n6,7\n', ["row 2, column 'b'", "never closed", "3 lines"]),
    ('a,b\n"open,2\n3,4\n5,6"\n', ["row 1, column 'a'", "3 lines", "line break"]),
    ('a,b\n1,"x"y\n', ["row 1", "followed by text"]),
    ('a,b\n1,x\x00y\n', ["row 1, column 'b'", "U+0000", "NUL"]),
    ('a,b\n1,x\x1by\n', ["row 1, column 'b'", "U+001B"]),
    ('a,b\n1,2,3\n', ["row 1", "3 values where the header has 2"]),
    ('a,b\n1\n', ["row 1, column 'b'", "no value for b"]),
    ('a,b,a\n1,2,3\n', ["column 'a'", "twice"]),
    ('a\n1\n', ["missing column(s) b"]),
], ids=["unclosed-quote", "quote-swallows-rows", "text-after-quote", "nul", "escape", "extra-field", "short",
        "header-twice", "missing-column"])
def test_the_csv_reader_names_the_row_where_a_problem_starts(tmp_path, text, words):
    message = _refused(tmp_path, text)
    assert all(w in message for w in words), message


@pytest.mark.parametrize("raw, value", [("52.4", 52.4), ("-1", -1.0), ("1e-3", 0.001), (".5", 0.5), ("+2", 2.0)])
def test_plain_decimal_numbers_are_read(raw, value):
    from consortia.csvfile import number
    assert number({"x": raw}, "x", "f.csv", 1) == value


@pytest.mark.parametrize("raw, words", [
    ("5_2.4", ["decimal notation", "no '_'"]), ("1,000", ["decimal notation"]), ("nan", ["decimal notation"]),
    ("inf", ["decimal notation"]), ("-infinity", ["decimal notation"]), ("0x1F", ["decimal notation"]),
    ("1e400", ["too large"]), ("1e308", ["above the maximum 24"]), ("-1", ["below the minimum 0"]),
])
def test_numbers_that_are_not_plain_or_out_of_range_are_named(raw, words):
    from consortia.csvfile import number
    from consortia.errors import ConsortiaError
    with pytest.raises(ConsortiaError) as caught:
        number({"mon": raw}, "mon", "rosters.csv", 4, low=0, high=24)
    message = str(caught.value)
    assert "rosters.csv, row 4, column 'mon'" in message and all(w in message for w in words), message


def test_minus_zero_reads_as_zero():
    import math

    from consortia.csvfile import number
    assert math.copysign(1.0, number({"x": "-0"}, "x", "f.csv", 1)) == 1.0
    assert math.copysign(1.0, number({"x": "-0.0"}, "x", "f.csv", 1)) == 1.0


@pytest.mark.parametrize("text", ["x: 5_2.4", "x: 1_000", "x: 1:30", "x: 010", "x: 0x1F", "x: 0b101"])
def test_yaml_numbers_must_be_plain_decimal(text):
    from consortia.yamlfile import LimitError, load_strict
    with pytest.raises(LimitError, match="not a plain decimal number"):
        load_strict(text)


@pytest.mark.parametrize("text, value", [("x: 0", 0), ("x: -5", -5), ("x: 0.5", 0.5), ("x: 1.0e+3", 1000.0),
                                         ("x: '010'", "010"), ("x: 1e3", "1e3")])
def test_plain_yaml_numbers_and_quoted_text_are_read(text, value):
    from consortia.yamlfile import load_strict
    assert load_strict(text)["x"] == value
