"""The one exception type for user mistakes, and the exit codes the commands map outcomes to."""

from __future__ import annotations

__all__ = ["ConsortiaError", "EXIT_OK", "EXIT_INFEASIBLE", "EXIT_BAD_INPUT", "EXIT_NO_SOLUTION",
           "EXIT_INTERNAL", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_INFEASIBLE = 1
EXIT_BAD_INPUT = 2
EXIT_NO_SOLUTION = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130


class ConsortiaError(Exception):
    """A problem with the user's input: a file, a row and column, or a YAML key.

    The message is complete and meant for the user; the CLI prints it without a traceback
    and exits with code 2.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, key: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.key = key
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.key:
            where.append(f"key '{self.key}'")
        return (", ".join(where) + ": " if where else "") + self.detail
