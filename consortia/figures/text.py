"""Small text helpers shared by the figures and the terminal (no plotting library needed)."""

from __future__ import annotations

__all__ = ["plural", "short_name", "period_word"]

_NAME_TAILS = (" (fictional)", " NHS Foundation Trust", " NHS Trust", " Foundation Trust")


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 trust", "2 trusts" (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def short_name(name: str) -> str:
    """A trust's name without the legal tail ("NHS Foundation Trust"), for keys and labels."""
    s = str(name)
    for tail in _NAME_TAILS:
        if s.endswith(tail) and len(s) > len(tail) + 3:
            s = s[: -len(tail)]
    return s.strip()


def period_word(months: int) -> str:
    """"quarter" for 3 months, "year" for 12, "4-month period" otherwise."""
    return {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(months, f"{months}-month period")
