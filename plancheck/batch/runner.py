"""Run a batch: plan (resume what is done), execute locally or on Dask, store, summarise.

Local runs use `jobs` threads, each driving its own isolated child process (`isolated.py`):
a drawing that hangs past `timeout` or kills its process becomes an error row and the child
is replaced. `--scheduler` runs the same `check_one` on a Dask cluster: each Dask worker
thread drives its own isolated child; the drawing's bytes travel with the task, so the
workers need no shared folder, and the reports come back to be written here.

Resuming: each drawing's folder holds `batch.json` (its row and a fingerprint: sha256 of
the drawing and its context file, ruleset id and version, plancheck version, options).
A drawing whose fingerprint matches a completed earlier run is not checked again
(`force` re-checks). Every file is written to a temporary name and renamed into place, the
reports first and `batch.json` last, so an interrupted batch never leaves a half-written
report or a folder that claims to be complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from queue import SimpleQueue
from typing import Callable

from plancheck import __version__
from plancheck.batch.discover import Item, discover, printable
from plancheck.batch.isolated import CallError, Crashed, Isolated, Timeout
from plancheck.batch.work import Task, error_row
from plancheck.errors import PlancheckError
from plancheck.pipeline import Options
from plancheck.render.json_file import write_atomic

MARKER = "batch.json"
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MAX_MB = 500.0
#: what each drawing runs in its worker's child ("module:function"). The environment variable
#: PLANCHECK_BATCH_WORKER names another function with the same signature: the tests use it for a
#: drawing that can never finish in time, whatever the machine's speed.
CHECK_ONE = "plancheck.batch.work:check_one"
SEVERITY = {"error": 0, "fail": 1, "incomplete": 2, "pass": 3}


@dataclass(frozen=True)
class BatchOptions:
    out: Path
    options: Options = Options()
    formats: tuple[str, ...] = ("json",)
    strict: bool = False
    jobs: int | None = None                  # None: every core
    timeout: float | None = DEFAULT_TIMEOUT_S
    max_mb: float = DEFAULT_MAX_MB
    force: bool = False
    scheduler: str | None = None             # tcp://host:port of a Dask scheduler


@dataclass
class BatchResult:
    rows: list[dict]
    skipped: list[dict]
    started: float
    elapsed_s: float
    exit_code: int
    outputs: list[Path] = field(default_factory=list)
    no_drawing: list[dict] = field(default_factory=list)   # submission folders, nothing to check


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


# -- planning -------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Planner:
    """Fingerprints and tasks; caches what many drawings share (rulesets, city files)."""

    def __init__(self, bo: BatchOptions):
        self.bo = bo
        self._versions: dict[str, str] = {}
        self._hashes: dict[Path, str] = {}

    def _hash_once(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = _sha256(path)
        return self._hashes[path]

    def options_for(self, item: Item) -> tuple[Options, str]:
        """The item's options (city file of its context file resolved) and ruleset id."""
        from plancheck.read.context import load_context

        opts = self.bo.options
        ctx = load_context(opts.context or item.context)
        if opts.context_buildings is None and ctx.context_buildings is not None:
            from plancheck.extract.context_buildings import parse_spec

            spec = parse_spec(ctx.context_buildings, ctx.path.parent.resolve(), str(ctx.path))
            opts = replace(opts, context_buildings=spec)
        return opts, opts.ruleset or ctx.ruleset

    def fingerprint(self, item: Item, sha: str, opts: Options, ruleset: str) -> dict:
        from plancheck.evaluate.clauses import load_ruleset

        if ruleset not in self._versions:   # version and the sha256 of every clause file
            head = load_ruleset(ruleset, kinds=False).header
            self._versions[ruleset] = [str(head["version"]), head["files"]]
        context = self.bo.options.context or item.context
        city = opts.context_buildings
        return {
            "sha256": sha, "context_sha256": self._hash_once(context) if context else None,
            "ruleset": [ruleset, self._versions[ruleset]], "plancheck": __version__,
            "options": {"zone": opts.zone, "units": opts.units, "lang": opts.lang,
                        "sunlight": opts.sunlight,
                        "layers": self._hash_once(opts.layers) if opts.layers else None,
                        "formats": list(self.bo.formats), "strict": self.bo.strict,
                        "context_buildings": None if city is None else {
                            "sha256": self._hash_once(Path(city.file)),
                            "origin": city.origin, "crs": city.crs,
                            "storey_height_m": city.storey_height_m, "radius_m": city.radius_m}},
        }


def _done_before(folder: Path, fingerprint: dict) -> dict | None:
    """The stored row when this folder holds a completed check with this fingerprint."""
    try:
        stored = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    row = stored.get("row") or {}
    if (stored.get("fingerprint") != fingerprint or row.get("verdict") not in SEVERITY
            or row.get("verdict") == "error" or not (folder / "report.json").is_file()):
        return None
    return row


# -- storing --------------------------------------------------------------------------------------

def _inside(out: Path, name: str) -> Path:
    folder = (out / name).resolve()
    if folder.parent != out.resolve():
        raise PlancheckError(f"refusing to write outside {out}: {name!r}")
    return folder


def _store(out: Path, item: Item, result: dict, fingerprint: dict | None) -> dict:
    folder = _inside(out, item.folder)
    files: dict[str, bytes] = result["files"]
    for name, data in files.items():
        target = (folder / name).resolve()
        if folder not in target.parents:
            raise PlancheckError(f"refusing to write outside {folder}: {name!r}")
        write_atomic(target, data)
    if folder.is_dir():      # what an earlier run left that this one did not write: stale
        for old in folder.iterdir():   # (never a temporary file being written: `.name.*.tmp`)
            if (old.is_file() and old.name not in files and old.name != MARKER
                    and not (old.name.startswith(".") and old.name.endswith(".tmp"))):
                old.unlink(missing_ok=True)
    row = result["row"]
    marker = {"fingerprint": fingerprint if row["verdict"] != "error" else None, "row": row}
    write_atomic(folder / MARKER, json.dumps(marker, ensure_ascii=False, indent=1,
                                                   allow_nan=False).encode("utf-8"))
    return row


# -- executing ------------------------------------------------------------------------------------

def guarded(iso: Isolated, task: Task, timeout: float | None) -> dict:
    """check_one in the isolated child; every way it can go wrong is an error row. The row
    gets the drawing's wall time in `seconds`."""
    t0 = time.perf_counter()
    try:
        result = iso.call(os.environ.get("PLANCHECK_BATCH_WORKER") or CHECK_ONE, (task,), timeout)
    except Timeout:
        result = {"row": error_row(f"timed out after {timeout:g} s (--timeout); the check was "
                                   "stopped"), "files": {}}
    except Crashed as exc:
        result = {"row": error_row(f"the check crashed: {exc}"), "files": {}}
    except CallError as exc:
        result = {"row": error_row(f"internal error ({exc})"), "files": {}}
    result["row"]["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _run_local(tasks: list[tuple[Item, Task]], jobs: int, timeout: float | None, finish):
    pool: SimpleQueue = SimpleQueue()
    runners = [Isolated() for _ in range(max(1, min(jobs, len(tasks))))]
    for r in runners:
        pool.put(r)

    def one(task: Task) -> dict:
        iso = pool.get()
        try:
            return guarded(iso, task, timeout)
        finally:
            pool.put(iso)

    ex = ThreadPoolExecutor(max_workers=len(runners), thread_name_prefix="plancheck")
    try:
        futures = {ex.submit(one, task): item for item, task in tasks}
        for fut in as_completed(futures):
            finish(futures[fut], fut.result())
    except BaseException:            # Ctrl-C or a failed write: stop the workers now
        ex.shutdown(wait=False, cancel_futures=True)
        for r in runners:
            r.kill()
        raise
    ex.shutdown()
    for r in runners:
        r.close()


_remote = threading.local()


def remote_check(task: Task, timeout: float | None) -> dict:
    """The Dask task: this worker thread's own isolated child checks the drawing."""
    iso = getattr(_remote, "iso", None)
    if iso is None:
        iso = _remote.iso = Isolated()
    return guarded(iso, task, timeout)


def _reachable(scheduler: str) -> None:
    """Fail fast, in one line, when a tcp:// scheduler address does not answer at all."""
    import socket
    from urllib.parse import urlsplit

    if not scheduler.startswith("tcp://"):
        return
    try:
        parts = urlsplit(scheduler)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise PlancheckError(f"--scheduler must look like tcp://HOST:PORT, not {scheduler!r}")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise PlancheckError(f"cannot reach the Dask scheduler at {scheduler} "
                             f"({exc.strerror or exc})") from None


def _run_dask(tasks: list[tuple[Item, Task]], scheduler: str, timeout: float | None, finish):
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:
        raise PlancheckError("--scheduler needs Dask: pip install 'plancheck[dask]'") from None
    _reachable(scheduler)
    try:
        client = Client(scheduler, timeout="30s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise PlancheckError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        window = 2 * threads                 # drawings in flight (their bytes are in memory)
        queue = list(reversed(tasks))
        items = {}

        def submit():
            """The next drawing that can be read, sent with its bytes; None when none is left."""
            while queue:
                item, task = queue.pop()
                try:
                    task = replace(task, data=Path(task.source).read_bytes(), context_data=(
                        Path(task.context).read_bytes() if task.context else None))
                except OSError as exc:
                    finish(item, {"row": error_row(f"cannot be read ({exc.strerror or exc})"),
                                  "files": {}})
                    continue
                fut = client.submit(remote_check, task, timeout, pure=False,
                                    key=f"plancheck-{item.folder}-{time.monotonic_ns()}")
                items[fut.key] = item
                return fut
            return None

        first = [f for f in (submit() for _ in range(window)) if f is not None]
        running = dask_completed(first, loop=client.loop)
        for fut in running:
            item = items.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the batch goes on
                result = {"row": error_row(f"the cluster could not check it ({type(exc).__name__}: {exc})"),
                          "files": {}}
            finish(item, result)
            nxt = submit()
            if nxt is not None:
                running.add(nxt)
    finally:
        client.close()


# -- the batch ------------------------------------------------------------------------------------

LOCK = ".plancheck-batch.lock"


class _OutLock:
    """One batch at a time per --out: an exclusive lock on `OUT/.plancheck-batch.lock`, held
    for the whole run (released by the OS if the process dies). A second batch stops at once
    with one line instead of racing the first one's files."""

    def __init__(self, out: Path):
        self.path = out / LOCK
        self.fd: int | None = None

    def __enter__(self):
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            except OSError:
                holder = ""
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise PlancheckError(f"another plancheck batch is writing to {self.path.parent}{who}; "
                                 "wait for it to finish or give another --out") from None
        except OSError:          # a file system without locks: go on unlocked
            os.close(fd)
            return self
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)        # closing releases the lock; the file stays (harmless)
            self.fd = None


def run_batch(paths: list[Path], bo: BatchOptions,
              on_start: Callable[[int, int], None] | None = None,
              on_row: Callable[[dict], None] | None = None) -> BatchResult:
    """Check every drawing under `paths` into `bo.out`; see the module docstring."""
    out = bo.out
    out.mkdir(parents=True, exist_ok=True)
    with _OutLock(out):
        return _run_batch(paths, bo, on_start, on_row)


def _run_batch(paths, bo: BatchOptions, on_start, on_row) -> BatchResult:
    from plancheck.batch.outputs import write_outputs

    started, t0 = time.time(), time.perf_counter()
    out = bo.out
    items, skipped, no_drawing = discover(paths, out)
    if not items:
        raise PlancheckError("no drawings (.dxf, .dwg) found in " + ", ".join(str(p) for p in paths)
                             + (f"; {len(skipped)} other file(s) skipped" if skipped else ""))
    planner = _Planner(bo)
    rows: dict[str, dict] = {}
    prints: dict[str, dict | None] = {}
    todo: list[tuple[Item, Task]] = []

    def finish(item: Item, result: dict) -> None:
        result["row"].update(drawing=item.display, folder=item.folder, resumed=False,
                             context=printable(str(item.context)) if item.context else None)
        for k, v in result["row"].items():        # a message quoting a non-UTF-8 file name
            if isinstance(v, str):
                result["row"][k] = printable(v)
        row = rows[item.folder] = _store(out, item, result, prints.get(item.folder))
        if on_row:
            on_row(row)

    early: list[tuple[Item, dict]] = []
    for item in items:
        if item.missing:
            early.append((item, {"row": error_row("no such file or folder"), "files": {}}))
            continue
        if item.problem:
            early.append((item, {"row": error_row(item.problem), "files": {}}))
            continue
        try:
            size_mb = item.path.stat().st_size / 1e6
            sha = None if size_mb > bo.max_mb else _sha256(item.path)
        except (OSError, RuntimeError) as exc:
            early.append((item, {"row": error_row(f"cannot be read ({getattr(exc, 'strerror', None) or exc})"),
                                 "files": {}}))
            continue
        if sha is None:
            early.append((item, {"row": error_row(
                f"the file is {size_mb:,.1f} MB, larger than --max-size {bo.max_mb:g} MB; not read"),
                "files": {}}))
            continue
        try:
            opts, ruleset = planner.options_for(item)
            fp = planner.fingerprint(item, sha, opts, ruleset)
        except PlancheckError as exc:   # a broken context file or ruleset: an error row
            early.append((item, {"row": error_row(str(exc), sha), "files": {}}))
            continue
        except (OSError, UnicodeError, RuntimeError) as exc:   # an odd name: this row only
            early.append((item, {"row": error_row(f"cannot be read ({type(exc).__name__}: {exc})", sha),
                                 "files": {}}))
            continue
        prints[item.folder] = fp = json.loads(json.dumps(fp))   # as batch.json will hold it
        done = None if bo.force else _done_before(_inside(out, item.folder), fp)
        if done is not None:
            done.update(drawing=item.display, folder=item.folder, resumed=True)
            rows[item.folder] = done
            continue
        context = bo.options.context or item.context
        todo.append((item, Task(display=item.display, source=str(item.path), folder=item.folder,
                                options=opts, formats=bo.formats, strict=bo.strict,
                                context=str(context) if context else None)))
    if on_start:
        on_start(len(items), len(rows))
    for row in rows.values():
        if on_row:
            on_row(row)
    for item, result in early:
        finish(item, result)
    if todo:
        if bo.scheduler:
            _run_dask(todo, bo.scheduler, bo.timeout, finish)
        else:
            _run_local(todo, bo.jobs or default_jobs(), bo.timeout, finish)
    ordered = sorted(rows.values(), key=lambda r: (SEVERITY[r["verdict"]], r["drawing"]))
    code = max(r["exit"] for r in ordered)
    result = BatchResult(ordered, skipped, started, time.perf_counter() - t0, code,
                         no_drawing=no_drawing)
    result.outputs = write_outputs(out, result, bo)
    return result

