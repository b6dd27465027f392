"""The ``consortia`` command: a thin layer over the Python API.

Exit codes (``consortia.errors``): 0 a plan was found (or a check passed), 1 no plan exists
(with a diagnosis) or a checked plan breaks a rule, 2 bad input (or a file that cannot be read
or written), 3 no plan within the time limit, 4 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse

from rich.markup import escape

from .. import stopping
from ..errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, ConsortiaError
from ..version import __version__
from . import batch, generate, plan, rota, serve, whatif
from .console import console

__all__ = ["main"]

err = console(stderr=True)

GROUPS = [plan, generate, batch, rota, whatif, serve]
COMMANDS = {name: run for group in GROUPS for name, run in group.COMMANDS.items()}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consortia", description="Plan PACS/RIS purchasing consortia of "
                                     "NHS trusts: aligned procurement timing and seven-day cover.")
    parser.add_argument("--version", action="version", version=f"consortia {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    SIGINT (Ctrl-C) and SIGTERM stop the run (:mod:`consortia.stopping`): every process it
    started is ended, the exit code is 130 and the last line says what was completely written
    before the stop, or that nothing was."""
    parser = _parser()
    args = parser.parse_args(argv)
    with stopping.run():
        try:
            code = _run(args)
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        if not stopping.requested() and code != EXIT_INTERRUPTED:
            return code
        stopping.end_processes(stopping.descendants())
        err.print(escape(_stopped_words()), soft_wrap=True)
        return EXIT_INTERRUPTED


def _stopped_words() -> str:
    """What an interrupted run wrote, from the record of completed writes."""
    def listed(paths) -> str:
        paths = [str(p) for p in paths]
        return ", ".join(paths[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")

    done, partial = stopping.written(), stopping.partly_written()
    words = f"interrupted ({stopping.signal_name()}); " + (
        f"completely written before the stop: {listed(done)}" if done else "nothing was written or replaced")
    if partial:
        words += f"; partly written (incomplete): {listed(partial)}"
    return words


def _run(args) -> int:
    try:
        return COMMANDS[args.command](args)
    except ConsortiaError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err.print(f"[bold red]error:[/] cannot read or write{escape(where)}: {escape(exc.strerror or str(exc))}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the user
        if args.debug:
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
                  "(run with --debug for details)")
        return EXIT_INTERNAL
