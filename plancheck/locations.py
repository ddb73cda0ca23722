"""Where plancheck's data folders are: the rulesets. Below every pipeline stage (read/ looks
up a context file's ruleset here; evaluate/ loads clauses from it)."""

from __future__ import annotations

import os
from pathlib import Path

from plancheck.errors import RulesetError

#: Repository layout: rulesets/ sits beside the package. PLANCHECK_RULESETS overrides it.
RULESETS_DIR = Path(__file__).resolve().parents[1] / "rulesets"


def rulesets_dir() -> Path:
    return Path(os.environ.get("PLANCHECK_RULESETS", RULESETS_DIR))


def ruleset_path(ruleset_id: str) -> Path:
    """The folder of a ruleset given by id (a folder under rulesets/) or by path."""
    candidate = Path(ruleset_id)
    folder = rulesets_dir() / ruleset_id
    if len(candidate.parts) == 1 and (folder / "ruleset.yaml").is_file():
        return folder             # an installed id wins over a same-named folder here (./id)
    if candidate.is_dir():
        return candidate
    if not (folder / "ruleset.yaml").is_file():
        known = sorted(q.parent.name for q in rulesets_dir().glob("*/ruleset.yaml"))
        raise RulesetError(f"no ruleset {ruleset_id!r} (known: {', '.join(known) or 'none'})")
    return folder
