"""Options and checks shared by several commands."""

from __future__ import annotations

import argparse
import math

from ..errors import ConsortiaError
from ..scenario import parse_set, with_overrides

__all__ = ["add_set_option", "with_sets", "positive", "fmt"]


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): a what-if change of one scenario setting."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                        help="change one scenario setting (dotted key, YAML value), e.g. market.capacity=2; "
                             "repeatable")


def with_sets(scenario, sets: list[str]):
    """``scenario`` with the ``--set`` changes applied."""
    return with_overrides(scenario, dict(parse_set(s) for s in sets)) if sets else scenario


def positive(value, flag: str):
    """Refuse a value of ``flag`` that is not a positive finite number (None passes)."""
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise ConsortiaError(f"{flag} must be a positive number, got {value}")


def fmt(x, spec=".2f") -> str:
    """``x`` formatted, or ``-`` for None."""
    return "-" if x is None else format(x, spec)
