"""Every query in sql/ has at least one case in cases/ whose expected rows were worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmcost.measures.queries import load_queries, rows

from .harness import CASES, case_connection, compare, load_case, params

CASE_FILES = sorted(CASES.glob("*.json"))


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path) -> None:
    case = load_case(path)
    con = case_connection(case)
    actual = rows(con, case["query"], **params(case))
    problems = compare(actual, case)
    assert not problems, "\n".join(problems)


def test_every_query_has_a_case() -> None:
    covered = {load_case(p)["query"] for p in CASE_FILES}
    # sql/reconcile_*.sql belong to the reconciliation work and are tested there.
    ours = {n for n in load_queries() if not n.startswith("reconcile_")}
    missing = sorted(ours - covered)
    assert not missing, f"queries without a hand-computed case in tests/measures/cases/: {missing}"
