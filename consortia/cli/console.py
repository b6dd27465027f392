"""Terminal output shared by the commands: consoles and the verdict of a check."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "print_verdict"]


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr); 160 columns wide when not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, width=None if stream.isatty() else 160)


def print_verdict(out: Console, violations: list[str], ok_text: str, subject) -> bool:
    """Print "OK: ok_text", or every broken rule of ``subject``; True when nothing is broken."""
    if not violations:
        out.print(f"[bold green]OK[/]: {escape(ok_text)}")
        return True
    out.print(f"[bold red]{len(violations)} broken rule(s)[/] in {escape(str(subject))}:")
    for line in violations:
        out.print(f"  - {escape(line)}")
    return False
