"""Requests counted with no token stated (ServeGen's per-client request rates: traces README,
`servegen/`, "rate: requests per second ... in the window") cost $0.00 only for want of tokens:
the report says so with the count and a fix, instead of letting $0.00 read as free usage. A
window with rate 0 is one in which the client sent nothing: a stated count of 0, so the total is
exact, not a lower bound (`requests_known`)."""

from __future__ import annotations

from pathlib import Path

from llmcost.document.analysis import ReportOptions, build_report
from llmcost.ingest.loader import load


def test_a_rate_trace_warns_that_its_zero_cost_is_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "logs" / "deepseek-r1"
    folder.mkdir(parents=True)
    # timestamp (s from day 0), rate (req/s), cv, pattern, shape, scale; CRLF as ServeGen writes it
    (folder / "chunk-7-trace.csv").write_bytes(
        b"0,0.5,1.2,Gamma,0.7,2.8\r\n600,0.0,,,,\r\n1200,0.25,0.9,Weibull,1.1,3.6\r\n")
    load([tmp_path / "logs"], tmp_path / "store")
    doc = build_report(ReportOptions(store=tmp_path / "store", forecast=False))
    # 0.5 x 600 + 0 + 0.25 x 600 = 450 requests, by hand
    assert doc["totals"]["requests"] == 450
    assert doc["totals"]["requests_known"] is True
    [m] = doc["by_provider_model"]
    assert (m["provider"], m["model"], m["requests"], m["cost_usd"]) == ("servegen", "deepseek-r1", 450, 0)
    assert doc["warnings"] == [
        "deepseek-r1 (servegen): 450 requests and no tokens: the source counts requests without their token "
        "counts, so their estimated cost of $0.00 is unknown, not free. Fix: ingest a log or export that states "
        "these requests' tokens (or map its token columns with --mapping / --map)."
    ]
