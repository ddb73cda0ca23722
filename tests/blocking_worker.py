"""A batch worker function for the tests (PLANCHECK_BATCH_WORKER=blocking_worker:check_one):
a drawing whose name starts with `block` never finishes, so its timeout does not depend on how
fast or busy the machine is; every other drawing is checked as usual."""

from __future__ import annotations

import threading
from pathlib import Path

from plancheck.batch.work import Task, check_one as real_check_one

HOOK = "blocking_worker:check_one"


def check_one(task: Task) -> dict:
    if Path(task.display).name.startswith("block"):
        threading.Event().wait()             # until the batch kills this process
    return real_check_one(task)
