"""Column generation for large scenarios: ``master`` (the restricted master problem, rounds,
cuts and the final integer program) and ``pricing`` (the pricing problem that finds new
consortia with negative reduced cost)."""

from .master import AUTO_FROM, choose_method, solve_by_columns, unsupported

__all__ = ["solve_by_columns", "choose_method", "unsupported", "AUTO_FROM"]
