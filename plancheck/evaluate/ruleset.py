"""Locate and load a ruleset's header (rulesets/<id>/ruleset.yaml)."""

from __future__ import annotations

import os
from pathlib import Path

from plancheck.errors import RulesetError

#: Repository layout: rulesets/ sits beside the package. PLANCHECK_RULESETS overrides it.
RULESETS_DIR = Path(__file__).resolve().parents[2] / "rulesets"


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


def load_header(ruleset_id: str) -> dict:
    """id, version, title and the not-checked list of a ruleset."""
    import yaml

    path = ruleset_path(ruleset_id) / "ruleset.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(f"{path}: cannot be loaded ({exc})") from None
    head = raw.get("ruleset") if isinstance(raw, dict) else None
    if not isinstance(head, dict) or not {"id", "version", "title"} <= set(head):
        raise RulesetError(f"{path}: needs a `ruleset:` mapping with id, version and title")
    return head
