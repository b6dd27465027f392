"""Calendar arithmetic of the plan: months, periods, go-live windows.

Dates are counted in whole calendar months. A contract end that is not the 1st of a month
rounds to the nearest 1st: days 1-15 round down to the 1st of the same month, days 16-31 round
up to the 1st of the next month, so a contract ending on 30 June 2013 aligns with a go-live on
1 July 2013.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .scenario import Planning

__all__ = ["month_index", "month_number", "month_start", "add_months", "Calendar"]


def month_index(date: dt.date) -> int:
    """Months since year 0 of the month ``date`` falls in (the day is ignored)."""
    return date.year * 12 + date.month - 1


def month_number(date: dt.date) -> int:
    """Months since year 0 of the 1st of the month nearest to ``date`` (see module docstring)."""
    number = month_index(date)
    return number + 1 if date.day >= 16 else number


def month_start(number: int) -> dt.date:
    """The date of the 1st of month ``number`` (inverse of :func:`month_number`)."""
    return dt.date(number // 12, number % 12 + 1, 1)


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` moved by whole months, clamped to the last day of the target month."""
    n = month_index(date) + months
    year, month = divmod(n, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(date.day, last))


@dataclass(frozen=True)
class Calendar:
    """The planning grid: go-live dates are period starts; go-to-market is lead time earlier."""

    planning: Planning

    @property
    def start(self) -> int:
        return month_number(self.planning.start)

    def go_live(self, period: int) -> int:
        """Month number of period ``period``'s start."""
        return self.start + period * self.planning.period_months

    def go_to_market(self, period: int) -> int:
        """Month number of the go-to-market date for a go-live at period ``period``."""
        return self.go_live(period) - self.planning.lead_time_months

    def market_period(self, period: int) -> int:
        """The period in which a procurement going live at ``period`` goes to market."""
        return (self.go_to_market(period) - self.start) // self.planning.period_months

    def periods(self) -> range:
        """Go-live periods whose go-to-market date is on or after the planning start."""
        first = -(-self.planning.lead_time_months // self.planning.period_months)
        return range(first, self.planning.periods)

    def window(self, contract_end: dt.date) -> list[int]:
        """Go-live periods allowed for a trust by the extension and early-exit limits."""
        end = month_number(contract_end)
        p = self.planning
        return [t for t in self.periods()
                if self.go_live(t) - end <= p.max_extension_months
                and end - self.go_live(t) <= p.max_early_exit_months]

    def misalignment(self, contract_end: dt.date, period: int) -> int:
        """Whole months between the (rounded) contract end and the go-live of ``period``."""
        return abs(self.go_live(period) - month_number(contract_end))
