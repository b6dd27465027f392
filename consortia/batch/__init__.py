"""Batch runs: many variants of one scenario, solved in parallel, locally or on a Dask cluster.

A batch file names a base scenario, overrides applied to every run, named scenarios (name ->
dotted-key overrides) and grids (name -> key -> list of values, expanded as a cartesian
product). Every scenario is resolved and validated before anything runs.

Each scenario is solved by :func:`run_task`, the one worker function of both executors (a
local process pool, or the workers of a Dask distributed cluster): the input files travel
with the task, and the plan folder's files come back to the client, which moves them into
``<output>/<scenario>/`` atomically beside a ``batch-result.yaml`` record. A scenario whose
record already holds the same ``batch_key`` (a hash of its resolved settings and of the
contents of its input files) is not run again, so an interrupted batch resumes where it
stopped. The batch ends with ``summary.csv`` and ``summary.html``.

Modules: ``spec`` (the batch file), ``executors`` (the worker function and where it runs),
``keys`` (resuming), ``run`` (the client), ``summary`` and ``report`` (summary.csv, summary.html).
``consortia.batch.run_task`` stays importable under that name.

Exit codes of ``consortia batch``: 0 every scenario finished with a status (optimal,
feasible, infeasible or no_solution), 1 at least one scenario failed with an error, 2 bad
input (nothing ran), 130 interrupted (finished plans are kept; run again to resume).
"""

from .executors import machine_cores, run_task
from .keys import batch_key, read_record
from .run import Reporter, run_batch
from .spec import RESULT_FILE, Batch, BatchRun, BatchScenario, load_batch, safe_name
from .summary import summary_columns, summary_rows, write_summary

__all__ = ["Batch", "BatchScenario", "BatchRun", "Reporter", "load_batch", "run_batch", "run_task", "batch_key",
           "safe_name", "summary_rows", "summary_columns", "write_summary", "read_record", "machine_cores",
           "RESULT_FILE"]
