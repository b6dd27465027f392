"""The ``generate`` command: write the England example or a seeded synthetic input folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import stopping
from ..errors import EXIT_OK, ConsortiaError
from ..examples.england import ENGLAND_FILES, generate_england
from ..examples.synth import MAX_TRUSTS, SYNTHETIC_FILES, write_instance
from .console import console

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(sub) -> None:
    """Register ``generate``."""
    p = sub.add_parser("generate", help="write a generated input folder (synthetic data, seeded)")
    p.add_argument("kind", choices=["england", "synthetic"], help="the England example or a random instance")
    p.add_argument("--seed", type=int, help="random seed (england default 2013, synthetic default 1)")
    p.add_argument("--out", type=Path, help="folder to write (default inputs/england or inputs/synthetic-N)")
    p.add_argument("--trusts", type=int, default=50,
                   help=f"synthetic: number of trusts (default 50, at most {MAX_TRUSTS})")
    p.add_argument("--force", action="store_true", help="overwrite files of the same names in the folder")


def _refuse_overwrite(folder: Path, names: tuple[str, ...], force: bool) -> None:
    """Raise :class:`ConsortiaError` when ``folder`` already holds any of ``names`` and not ``force``."""
    there = [name for name in names if (folder / name).exists()]
    if there and not force:
        raise ConsortiaError(f"the folder already holds {', '.join(there)}; refusing to overwrite "
                             "(add --force to overwrite them, or choose another --out)", file=str(folder))


def cmd_generate(args: argparse.Namespace) -> int:
    """Run ``consortia generate``; exit 0."""
    out = console()
    if args.kind == "england":
        folder = args.out or Path("inputs/england")
        _refuse_overwrite(folder, ENGLAND_FILES, args.force)
        with stopping.writing(folder):
            paths = generate_england(folder, 2013 if args.seed is None else args.seed)
    else:
        if not 2 <= args.trusts <= MAX_TRUSTS:
            raise ConsortiaError(f"--trusts must be between 2 and {MAX_TRUSTS}, got {args.trusts}")
        folder = args.out or Path(f"inputs/synthetic-{args.trusts}")
        _refuse_overwrite(folder, SYNTHETIC_FILES, args.force)
        with stopping.writing(folder):
            paths = [write_instance(folder, args.trusts, 1 if args.seed is None else args.seed)]
    out.print(f"wrote {folder} (synthetic data; seeded, reproducible)")
    for p in paths:
        out.print(f"  {p}")
    return EXIT_OK


COMMANDS = {"generate": cmd_generate}
