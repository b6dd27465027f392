"""The package's layout: no import cycles, side features apart from each other and from the core.

Every module of ``consortia`` is parsed (ast, so imports inside functions count too) and its
imports of other ``consortia`` modules are resolved, relative ones included. The core is every
module outside the side-feature packages; ``consortia/__init__.py`` and ``api.py`` are the
public facade, which may import a side feature's package (never its internals).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "consortia"

SIDE_FEATURES = ("whatif", "rota", "batch", "examples", "figures", "cli", "workspace")
FACADE = ("consortia", "consortia.api")
# (importer, imported): the only side feature -> side feature imports allowed; cli may import
# every side feature and is left out of this list.
ALLOWED = {("rota", "figures"), ("batch", "figures")}
# only the command line talks to the terminal and parses arguments
CLI_ONLY = ("argparse", "rich")


def module_names() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("consortia",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(consortia modules, top-level outside packages) that ``name`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    inside, outside = set(), set()

    def add(target: str) -> None:
        if target.split(".")[0] != "consortia":
            outside.add(target.split(".")[0])
            return
        while target not in modules:           # "from .x import function": the module is .x
            target = target.rpartition(".")[0]
        if target != name:
            inside.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:            # "from . import style": a submodule
                if f"{source}.{alias.name}" in modules:
                    add(f"{source}.{alias.name}")
                else:
                    add(source)
    return inside, outside


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    modules = module_names()
    g = nx.DiGraph()
    for name, path in modules.items():
        inside, outside = imports_of(name, path, modules)
        g.add_node(name, outside=outside)
        g.add_edges_from((name, target) for target in inside)
    return g


def feature(name: str) -> str | None:
    """The side feature a module belongs to, or None for the core and the facade."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SIDE_FEATURES else None


def test_the_walk_sees_the_imports_it_must(graph):
    # a module-level, a function-level and a relative two-level import, so the test can fail
    assert ("consortia.pipeline", "consortia.model") in graph.edges
    assert ("consortia.outputs", "consortia.checker") in graph.edges          # inside write_plan
    assert ("consortia.rota.figure", "consortia.figures.style") in graph.edges
    assert ("consortia.cli.app", "consortia.cli.plan") in graph.edges        # "from . import plan"
    assert len(graph) > 40


def test_no_import_cycles(graph):
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"
    assert not [n for n in graph if graph.has_edge(n, n)]


def test_core_modules_import_no_side_feature(graph):
    bad = [(a, b) for a, b in graph.edges
           if feature(a) is None and a not in FACADE and feature(b) is not None]
    assert not bad, f"core modules importing side features: {bad}"


def test_the_facade_imports_only_side_features_packages(graph):
    bad = [(a, b) for a, b in graph.edges
           if a in FACADE and feature(b) is not None and b != f"consortia.{feature(b)}"]
    assert not bad, f"the public facade reaches into side features' internals: {bad}"


def test_side_features_do_not_import_each_other(graph):
    bad = [(a, b) for a, b in graph.edges
           if feature(a) not in (None, "cli") and feature(b) not in (None, feature(a))
           and (feature(a), feature(b)) not in ALLOWED]
    assert not bad, f"side features importing each other: {bad}"
    side_to_facade = [(a, b) for a, b in graph.edges if feature(a) and b == "consortia"]
    assert not side_to_facade, f"side features importing the package itself: {side_to_facade}"


def test_only_the_cli_knows_argparse_and_the_console(graph):
    bad = [(n, sorted(graph.nodes[n]["outside"] & set(CLI_ONLY))) for n in graph
           if feature(n) != "cli" and graph.nodes[n]["outside"] & set(CLI_ONLY)]
    assert not bad, f"argparse or rich outside consortia.cli: {bad}"


def test_starting_the_command_or_a_batch_worker_does_not_load_matplotlib():
    # every command starts by importing consortia.cli, every batch worker consortia.batch.executors;
    # the plotting libraries load only when something is drawn
    import subprocess
    import sys

    code = ("import sys, consortia.cli, consortia.batch.executors; "
            "print(sorted(m for m in ('matplotlib', 'pandas', 'geopandas') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert run.stdout.strip() == "[]", run.stdout
