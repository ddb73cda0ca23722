"""What a run did not check: the ruleset's declared `not_checked` list, plus the
articles whose clauses ran but gave no finding on this drawing (no river for 第四十条, no
curve at an intersection for 第三十七条, no public green said for 第三十三条（三）...).

Entries read "<article> — <why, zh> — <why, en>", as in ruleset.yaml."""

from __future__ import annotations

from plancheck.evaluate.clauses import Ruleset
from plancheck.findings import Finding


def not_checked(ruleset: Ruleset, findings: list[Finding],
                only: set[str] | frozenset[str] | None = None) -> list[str]:
    """The declared list, then one entry per article whose every evaluated clause was silent."""
    cited = {f.rule for f in findings}
    by_article: dict[str, list[str]] = {}
    for c in ruleset.clauses:
        if only is not None and c.id not in only:
            continue
        by_article.setdefault(c.article, []).append(c.id)
    silent = []
    for article, ids in by_article.items():
        if any(i in cited for i in ids):
            continue
        names = ", ".join(ids)
        silent.append(f"{article} — 本次检查中 {names} 未产生结果（图中没有其适用的对象，如无河道蓝线、"
                      f"无道路转角曲线、已给出规划条件；或所需的日照分析未运行） — {names} gave no "
                      "finding on this run (nothing on the drawing it applies to, e.g. no river, no "
                      "curve at a corner, planning conditions given instead of the fallback table; "
                      "or the sunlight analysis it needs was not run)")
    return list(ruleset.not_checked) + silent
