"""The ``consortia`` command line: one module per command group, the only place that knows
argparse and the console.

``plan`` (solve, check, map), ``generate``, ``batch``, ``rota`` and ``whatif`` (diff, price,
diagnose, explain) each register their subcommands; ``app`` builds the parser and maps
outcomes to exit codes.
"""

from .app import main

__all__ = ["main"]
