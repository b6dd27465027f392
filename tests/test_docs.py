"""The README documents every scenario key, with the defaults the code uses."""

from pathlib import Path

from consortia.scenario import settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_table_matches_the_schema():
    assert settings_table() in README.read_text(encoding="utf-8"), \
        "README's settings table is stale: paste consortia.scenario.settings_table() into it"


def test_readme_quick_start_has_two_command_lines_and_ci_runs_the_test_line():
    text = README.read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line for line in block.strip().splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("pip install -e . && consortia solve inputs/england/scenario.yaml")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci.splitlines()
