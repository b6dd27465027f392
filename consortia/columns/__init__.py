"""Column generation for large scenarios: ``master`` (the restricted master problem, rounds,
cuts and the final integer program) and ``pricing`` (the pricing problem that finds new
consortia with negative reduced cost) and ``enumerate`` (every column within a reduced-cost
threshold: pricing, and the proof of optimality)."""

from .master import AUTO_FROM, choose_method, solve_by_columns, unsupported

__all__ = ["solve_by_columns", "choose_method", "unsupported", "AUTO_FROM"]
