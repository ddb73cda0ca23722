"""The child process of `batch.isolated`: `python -m plancheck.batch.child`.

Reads (`"module:function"`, args) calls from stdin and answers ("ok", value) or
("err", "Type: message") on the original stdout; anything printed by a library goes to
stderr instead, so it cannot corrupt the answers. Ends at end of input.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings


def _warm() -> None:
    """Import the checking stack (and load the cached numba kernels) before saying ready."""
    import plancheck.batch.work  # noqa: F401
    from plancheck.evaluate.registry import load_all

    load_all()


def main() -> None:
    from plancheck.batch.isolated import receive, send

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                      # stray prints go to stderr
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    logging.getLogger("ezdxf").setLevel(logging.CRITICAL)
    _warm()
    send(out, "ready")
    fd = sys.stdin.buffer.fileno()
    functions = {}
    while True:
        try:
            target, args = receive(fd, None)
        except EOFError:
            return
        try:
            fn = functions.get(target)
            if fn is None:
                module, _, name = target.partition(":")
                fn = functions[target] = getattr(importlib.import_module(module), name)
            answer = ("ok", fn(*args))
        except Exception as exc:  # noqa: BLE001 - the caller turns it into an error row
            answer = ("err", f"{type(exc).__name__}: {exc}")
        send(out, answer)


if __name__ == "__main__":
    main()
