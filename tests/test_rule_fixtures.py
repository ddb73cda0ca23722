"""THE rule test: every fixture case of every ruleset (rulesets/<id>/fixtures/<CLAUSE>.yaml)
is drawn, checked with only its clause enabled, and must give exactly the expected findings."""

from __future__ import annotations

import pytest

from plancheck.fixtures import discover, format_outcome, run_case

CASES = discover()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_case(case, tmp_path):
    outcome = run_case(case, tmp_path)
    assert outcome.ok, "\n" + format_outcome(outcome)
    assert not [f for f in outcome.findings if f["status"] == "error"], format_outcome(outcome)


def test_fixtures_were_found():
    assert CASES, "no fixture cases discovered under rulesets/*/fixtures/"
