"""Example inputs: the England example (real trusts, synthetic contracts, rosters and demand;
its source data ship with the package in ``data/england``) and seeded synthetic instances."""

from .england import generate_england
from .synth import write_instance

__all__ = ["generate_england", "write_instance"]
