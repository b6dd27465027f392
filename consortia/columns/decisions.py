"""Branching decisions: the rules one node of the branching tree adds to every column.

On the way from the root to a node, each branch adds one decision (Ryan & Foster, 1981, for
set partitioning; see :mod:`consortia.columns.branching`): two trusts *together* (a consortium
holds both or neither), two trusts *apart* (no consortium holds both), or a trust *banned* from
a go-live period (no consortium holding it goes live then). A column that breaks a decision is
held at zero in the master and left out of the enumeration, so a node's prices, bound and pool
are those of the plans that keep its decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Decisions"]


@dataclass(frozen=True)
class Decisions:
    """The decisions of one node (none at the root)."""

    together: frozenset[tuple[str, str]] = frozenset()
    """Pairs of trusts that share a consortium."""
    apart: frozenset[tuple[str, str]] = frozenset()
    """Pairs of trusts that do not."""
    banned: frozenset[tuple[str, int]] = frozenset()
    """(trust, go-live period) pairs: the trust's consortium does not go live in that period."""

    def __bool__(self) -> bool:
        """Whether any decision was taken (none at the root)."""
        return bool(self.together or self.apart or self.banned)

    def admits(self, members: Iterable[str], t: int) -> bool:
        """Whether the consortium ``members`` going live at period ``t`` keeps every decision."""
        inside = set(members)
        if any((i, t) in self.banned for i in inside):
            return False
        if any((a in inside) != (b in inside) for a, b in self.together):
            return False
        return not any(a in inside and b in inside for a, b in self.apart)

    def trusts(self) -> set[str]:
        """Every trust a decision names (a column without any of them keeps every decision)."""
        return {i for pair in self.together | self.apart for i in pair} | {i for i, _ in self.banned}

    def with_pair(self, a: str, b: str, together: bool) -> Decisions:
        """These decisions and ``a``, ``b`` together (or apart)."""
        if together:
            return Decisions(self.together | {(a, b)}, self.apart, self.banned)
        return Decisions(self.together, self.apart | {(a, b)}, self.banned)

    def with_banned(self, pairs: Iterable[tuple[str, int]]) -> Decisions:
        """These decisions and the trusts banned from the periods of ``pairs``."""
        return Decisions(self.together, self.apart, self.banned | frozenset(pairs))
