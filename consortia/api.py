"""The three verbs of the public API: solve a scenario, write its plan, check a plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .checker import CheckReport, check_plan
from .figures import render_plan_figures
from .inputs import Instance, load_instance
from .outputs import write_plan as _write_plan
from .pipeline import solve_scenario
from .plan import Plan
from .scenario import Scenario
from .solver import Progress

__all__ = ["solve", "write_plan", "check"]


def solve(scenario: Scenario, *, instance: Instance | None = None,
          progress: Callable[[str, Progress | None], None] | None = None) -> Plan:
    """Solve ``scenario``; see :func:`consortia.pipeline.solve_scenario`."""
    return solve_scenario(scenario, instance=instance, progress=progress)


def write_plan(plan: Plan, folder: str | Path | None = None, *, instance: Instance | None = None,
               figures: bool = True) -> Path:
    """Write ``plan`` to ``folder`` (default: the scenario's output folder) atomically, with its
    maps, charts and report unless ``figures`` is False."""
    instance = instance if instance is not None else load_instance(plan.scenario)
    draw = (lambda temp: render_plan_figures(temp, regions=plan.scenario.inputs.regions)) if figures else None
    return _write_plan(plan, instance, folder or plan.scenario.output_folder(), draw=draw)


def check(scenario: Scenario, plan: str | Path, *, instance: Instance | None = None) -> CheckReport:
    """Re-verify a written plan folder, or a proposal CSV, against every rule of ``scenario``."""
    instance = instance if instance is not None else load_instance(scenario)
    return check_plan(scenario, instance, Path(plan))
