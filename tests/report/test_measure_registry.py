"""The measure registry (issue 18): one entry per measure in `llmcost.measures.registry.MEASURES` builds the
report document's measure keys; a key no entry registers fails loudly; every registered measure is
in the JSON document; docs/measures.md lists the registry; and a toy measure (one SQL file, one
entry) reaches the document with no other edit."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.errors import ConfigError
from llmcost.measures import queries
from llmcost.measures import registry as measures
from llmcost.measures.registry import MEASURES, Measure, MeasureRun, doc_table, document_sections
from llmcost.report import json_report
from llmcost.report.sections import NAMES
from tests.conftest import REPO


def test_docs_list_the_registry() -> None:
    text = (REPO / "docs/measures.md").read_text()
    m = re.search(r"<!-- MEASURES:START -->\n(.*?)<!-- MEASURES:END -->", text, re.S)
    assert m, "docs/measures.md lacks the MEASURES markers"
    assert m.group(1) == doc_table(), "paste measures.doc_table() between the MEASURES markers of docs/measures.md"


def test_entries_name_real_queries_and_sections() -> None:
    known = queries.load_queries()
    for m in MEASURES:
        assert m.sql and set(m.sql) <= set(known), (m.key, sorted(set(m.sql) - set(known)))
        assert m.section in NAMES, (m.key, m.section)
        assert m.description and "\n" not in m.description
    keys = [m.key for m in MEASURES]
    assert len(keys) == len(set(keys))


def test_every_registered_measure_is_in_the_json_document(sample_doc: dict[str, Any]) -> None:
    out = json.loads(json_report.render(sample_doc))
    for m in MEASURES:
        assert m.key in sample_doc and m.key in out, m.key
    # the measure keys come in registry order, after the definitions
    keys = list(sample_doc)
    at = [keys.index(m.key) for m in MEASURES]
    assert at == sorted(at) and keys[at[0] - 1] == "definitions"


def test_an_unregistered_key_fails_loudly() -> None:
    with pytest.raises(ConfigError, match=r"no measure is registered under 'spends'.*'spend'"):
        measures.measure("spends")
    computed = {"definitions": {}, "window": {}, **{m.key: {} for m in MEASURES}, "toy": []}
    with pytest.raises(ConfigError, match="'toy', which no measure registers"):
        document_sections(computed)
    del computed["toy"], computed["bursts"]
    with pytest.raises(ConfigError, match="'bursts' registered but not computed"):
        document_sections(computed)


def test_a_measure_runs_only_its_registered_queries() -> None:
    sneaky = Measure("sneaky", ("spend_totals",), "spend", "reads a query it does not list",
                     lambda run: run.fetch("turn_stats"))
    run = MeasureRun(duckdb.connect(), {}, {}, None, False, sneaky, {})
    with pytest.raises(ConfigError, match="runs query 'turn_stats', which its registry entry does not list"):
        sneaky.run(run)


def test_a_report_measure_key_cannot_overwrite_another_section(
    sample_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clash = Measure("totals", ("spend_totals",), "totals", "would overwrite the document's totals")
    monkeypatch.setattr(measures, "MEASURES", (*MEASURES, clash))
    with pytest.raises(Exception, match="'totals' already name a section of the report document"):
        build_report(ReportOptions(store=sample_store, forecast=False))


TOY_SQL = """-- name: toy_requests_by_provider
-- Requests per provider over the report's window (`priced_usage`), the registry test's toy measure.
SELECT provider, CAST(sum(request_count) AS BIGINT) AS requests
FROM priced_usage GROUP BY ALL ORDER BY provider
"""


def test_a_toy_measure_reaches_the_document_with_one_file_and_one_entry(
    sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql = tmp_path / "sql"
    shutil.copytree(queries.sql_dir(), sql)
    (sql / "toy_requests_by_provider.sql").write_text(TOY_SQL)
    toy = Measure("toy_requests", ("toy_requests_by_provider",), "models", "requests per provider (a toy)")
    monkeypatch.setattr(queries, "sql_dir", lambda: sql)
    monkeypatch.setattr(measures, "MEASURES", (*MEASURES, toy))
    queries._load_default.cache_clear()
    try:
        doc = build_report(ReportOptions(store=sample_store, forecast=False))
        # the query-case test picks the new file up: it asks for the toy's data case
        from tests.measures.test_query_cases import test_every_query_has_a_case

        with pytest.raises(AssertionError, match="toy_requests_by_provider"):
            test_every_query_has_a_case()
    finally:
        queries._load_default.cache_clear()
    # independent of the report's code: DuckDB over the store's Parquet parts, duplicates dropped
    parts = [str(p) for p in (sample_store / "usage").rglob("*.parquet")]
    expected = [
        {"provider": p, "requests": n}
        for p, n in duckdb.connect().execute(
            "SELECT provider, sum(request_count) FROM read_parquet(?, union_by_name = true) WHERE NOT _dup "
            "GROUP BY ALL ORDER BY provider",
            [parts],
        ).fetchall()
    ]
    assert doc["toy_requests"] == expected and len(expected) > 1
    assert json.loads(json_report.render(doc))["toy_requests"] == expected
    assert doc["spend"]["totals"]["cost_usd"] > Decimal(0)  # the other measures are still there
