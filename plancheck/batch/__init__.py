"""`plancheck batch`: check a whole intake folder, in parallel, resumably.

    from plancheck.batch import BatchOptions, run_batch
    result = run_batch([Path("intake/")], BatchOptions(out=Path("reports/batch"), jobs=4))

- `discover`: which files are drawings (.dxf and .dwg in folders, every file named; the
  rest listed as skipped with the reason, so nothing is silently lost), their safe output
  folder names, and the submission folders with nothing to check; `runner`: resuming,
  local worker processes or a Dask cluster, atomic writes; `isolated` + `child`: a process
  per worker that a hang or crash cannot take down with the batch; `work`: one drawing
  (check, render, summary row); `outputs`: index.html, summary.csv, summary.json.

Nothing here prints: progress goes to the `on_start` / `on_row` callbacks (the CLI draws the
progress bar).
"""

from plancheck.batch.runner import BatchOptions, BatchResult, default_jobs, run_batch

__all__ = ["BatchOptions", "BatchResult", "default_jobs", "run_batch"]
