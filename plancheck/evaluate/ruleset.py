"""Locate and load a ruleset's header (rulesets/<id>/ruleset.yaml)."""

from __future__ import annotations

from plancheck.errors import RulesetError
from plancheck.locations import RULESETS_DIR, ruleset_path, rulesets_dir  # noqa: F401 (re-exported)


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
