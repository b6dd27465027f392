"""The ``generate`` command: write the England example or a seeded synthetic input folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_OK, ConsortiaError
from ..examples.england import generate_england
from ..examples.synth import write_instance
from .console import console

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(sub) -> None:
    """Register ``generate``."""
    p = sub.add_parser("generate", help="write a generated input folder (synthetic data, seeded)")
    p.add_argument("kind", choices=["england", "synthetic"], help="the England example or a random instance")
    p.add_argument("--seed", type=int, help="random seed (england default 2013, synthetic default 1)")
    p.add_argument("--out", type=Path, help="folder to write (default inputs/england or inputs/synthetic-N)")
    p.add_argument("--trusts", type=int, default=50, help="synthetic: number of trusts (default 50)")


def cmd_generate(args: argparse.Namespace) -> int:
    """Run ``consortia generate``; exit 0."""
    out = console()
    if args.kind == "england":
        folder = args.out or Path("inputs/england")
        paths = generate_england(folder, 2013 if args.seed is None else args.seed)
    else:
        if args.trusts < 2:
            raise ConsortiaError(f"--trusts must be at least 2, got {args.trusts}")
        folder = args.out or Path(f"inputs/synthetic-{args.trusts}")
        paths = [write_instance(folder, args.trusts, 1 if args.seed is None else args.seed)]
    out.print(f"wrote {folder} (synthetic data; seeded, reproducible)")
    for p in paths:
        out.print(f"  {p}")
    return EXIT_OK


COMMANDS = {"generate": cmd_generate}
