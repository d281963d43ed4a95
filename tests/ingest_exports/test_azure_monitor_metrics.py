"""Azure OpenAI token metrics from Azure Monitor (azure_monitor_metrics_json): the fixture's totals,
stable ids, overlapping and restated exports, two widths, and the files that give no rows.

The fixture (tests/fixtures/ingest/azure_monitor_metrics_json), counted by hand:

- input_a_pt1h.json (az, pretty-printed, PT1H, resource aoai-se, 2026-11-01 22:00 to 11-02 01:00):
  gpt4o-prod (gpt-4o): 22h 12,000 in / 3,000 out / 10 requests; 23h 15,000 / 2,500 / 12; 00h 9,000 /
  1,000 / 6; 01h no total in any metric: no row. "Team A / mini (eval) #2" (gpt-4o-mini): 22h 800 /
  200 / 4; 23h no total: no row; 00h 1,200 / 300 / 5; 01h 400 / 100 / 2. 6 rows.
- input_b_rest_overlap.json (REST, one line, 2026-11-02 00:00 to 02:00): repeats gpt4o-prod 00h and
  mini 00h and 01h with the same values (stored once), adds gpt4o-prod 02h 7,000 / 1,500 / 5 and mini
  02h 600 / 150 / 3; its TokenTransaction (prompt + generated) and cache match rate (a percentage,
  37.5) are not read. 5 rows read, 2 new events.
- input_c_latency_only.json: AzureOpenAITimeToResponse only: claimed, no rows.
- input_d_no_dimensions_p1d.json (P1D, resource aoai-us, no --dimension, no AzureOpenAIRequests):
  2026-11-03 250,000 / 40,000, 11-04 180,000 / 30,000; no model (unpriced), requests not stated.

Live events: 6 + 2 + 2 = 10. gpt-4o: input 12,000 + 15,000 + 9,000 + 7,000 = 43,000, output
3,000 + 2,500 + 1,000 + 1,500 = 8,000, requests 10 + 12 + 6 + 5 = 33. gpt-4o-mini: input 800 + 1,200 +
400 + 600 = 3,000, output 200 + 300 + 100 + 150 = 750, requests 4 + 5 + 2 + 3 = 14. aoai-us: input
430,000, output 70,000. Totals: 47 requests, 476,000 input, 78,750 output.
Priced at genai-prices' azure rates (gpt-4o $2.50 / $10 per 1M, gpt-4o-mini $0.15 / $0.60; cache not
known, so all input at the input rate): 43,000 x 2.5 + 8,000 x 10 = 187,500; 3,000 x 0.15 + 750 x 0.6
= 900; $0.188400. The aoai-us tokens (500,000) stay unpriced.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost import ingest
from llmcost.cli import app
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ingest" / "azure_monitor_metrics_json"
INPUTS = sorted(p for p in FIXTURE.iterdir() if p.name.startswith("input"))
RID = ("/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ai/providers/"
       "Microsoft.CognitiveServices/accounts/aoai-se")


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOST_TODAY", "2026-12-15")


def _sums(store: Path) -> tuple[int, int, int, int]:
    con = Store.open(store).connect()
    n, req, inp, out = con.execute(
        "SELECT count(*), sum(request_count), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()
    return int(n), int(req), int(inp), int(out)


def test_fixture_totals_match_the_hand_count(tmp_path: Path) -> None:
    out, logs = tmp_path / "r.json", tmp_path / "logs"
    logs.mkdir()
    for p in INPUTS:
        (logs / p.name).write_bytes(p.read_bytes())
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(tmp_path / "store"), "--no-forecast",
                                   "--format", "json", "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    t = json.loads(out.read_text())["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (47, 476000, 78750)
    assert Decimal(str(t["cost_usd"])) == Decimal("0.1884")
    assert _sums(tmp_path / "store") == (10, 47, 476000, 78750)


def test_reingesting_keeps_the_same_events(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(INPUTS, store)
    ids = sorted(r[0] for r in Store.open(store).connect().execute("SELECT event_id FROM usage").fetchall())
    copy = tmp_path / "again"
    copy.mkdir()
    for p in INPUTS:  # the same exports saved again under other names
        (copy / ("copy_" + p.name)).write_bytes(p.read_bytes())
    load(sorted(copy.iterdir()), store)
    again = sorted(r[0] for r in Store.open(store).connect().execute("SELECT event_id FROM usage").fetchall())
    assert again == ids and len(ids) == 10
    assert _sums(store) == (10, 47, 476000, 78750)


def _response(interval: str, metrics: dict[str, list[tuple[str, float | None]]],
              dims: list[tuple[str, str]] | None = None) -> dict:
    """One Metrics API response: `metrics` maps a metric name to its (timeStamp, total) points."""
    meta = [{"name": {"value": k, "localizedValue": k}, "value": v} for k, v in (dims or [])]
    return {"cost": 0, "timespan": "x", "interval": interval, "namespace": "Microsoft.CognitiveServices/accounts",
            "resourceregion": "swedencentral", "value": [
                {"id": f"{RID}/providers/Microsoft.Insights/metrics/{name}", "type": "Microsoft.Insights/metrics",
                 "name": {"value": name, "localizedValue": name}, "unit": "Count", "errorCode": "Success",
                 "timeseries": [{"metadatavalues": meta, "data": [
                     {"timeStamp": ts, **({} if total is None else {"total": total})} for ts, total in points]}]}
                for name, points in metrics.items()]}


GPT4O = [("modeldeploymentname", "gpt4o-prod"), ("modelname", "gpt-4o")]


def test_a_restated_hour_replaces_the_earlier_one(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(INPUTS, store)
    # a later fetch states gpt4o-prod's 02h as 8,000 input (was 7,000), 1,500 output, 5 requests
    later = tmp_path / "refetch.json"
    later.write_text(json.dumps(_response("PT1H", {
        "ProcessedPromptTokens": [("2026-11-02T02:00:00Z", 8000.0)],
        "GeneratedTokens": [("2026-11-02T02:00:00Z", 1500.0)],
        "AzureOpenAIRequests": [("2026-11-02T02:00:00Z", 5.0)]}, GPT4O)))
    load([later], store)
    assert _sums(store) == (10, 47, 477000, 78750)


def test_hourly_and_daily_fetches_of_the_same_day_count_once(tmp_path: Path) -> None:
    # gpt4o-prod on 2026-11-05: each hour 100 in / 20 out / 1 request; the day 2,400 / 480 / 24
    hours = [f"2026-11-05T{h:02d}:00:00Z" for h in range(24)]
    hourly = _response("PT1H", {"ProcessedPromptTokens": [(h, 100.0) for h in hours],
                                "GeneratedTokens": [(h, 20.0) for h in hours],
                                "AzureOpenAIRequests": [(h, 1.0) for h in hours]}, GPT4O)
    day = "2026-11-05T00:00:00Z"
    daily = _response("P1D", {"ProcessedPromptTokens": [(day, 2400.0)], "GeneratedTokens": [(day, 480.0)],
                              "AzureOpenAIRequests": [(day, 24.0)]}, GPT4O)
    (tmp_path / "h.json").write_text(json.dumps(hourly))
    (tmp_path / "d.json").write_text(json.dumps(daily))
    store = tmp_path / "store"
    load([tmp_path / "h.json", tmp_path / "d.json"], store)
    assert _sums(store) == (1, 24, 2400, 480)  # the daily row counts, the 24 hourly ones stay stored


def test_only_other_metrics_is_claimed_and_gives_no_rows(tmp_path: Path) -> None:
    path = FIXTURE / "input_c_latency_only.json"
    assert [i.name for i in ingest.detect(path.read_bytes()[:65536], str(path))] == ["azure_monitor_metrics_json"]
    result = load([path], tmp_path / "store")
    assert [(f.status, f.rows_read) for f in result.files] == [("ingested", 0)]


def test_deployment_only_and_upper_case_dimension_names(tmp_path: Path) -> None:
    # --dimension ModelDeploymentName alone, the names as the request spelled them: the model is the
    # deployment's name (priced only if it names a model), so said in extra
    doc = _response("PT1H", {"ProcessedPromptTokens": [("2026-11-02T00:00:00Z", 300.0), ("2026-11-02T01:00:00Z", None)],
                             "GeneratedTokens": [("2026-11-02T00:00:00Z", 30.0)]},
                    [("ModelDeploymentName", "gpt-4o-mini")])
    (tmp_path / "m.json").write_text(json.dumps(doc))
    load([tmp_path / "m.json"], tmp_path / "store")
    con = Store.open(tmp_path / "store").connect()
    rows = con.execute("SELECT model, project, input_tokens, output_tokens, request_count, requests_known, "
                       "json_extract_string(extra, '$.model_is_deployment') FROM usage").fetchall()
    assert rows == [("gpt-4o-mini", "aoai-se/gpt-4o-mini", 300, 30, 0, False, "true")]


def test_an_interval_that_is_not_a_grain_is_quarantined(tmp_path: Path) -> None:
    # interval FULL (one point for the whole timespan): no bucket end to give; 2 points, 2 quarantined
    doc = _response("FULL", {"ProcessedPromptTokens": [("2026-11-02T00:00:00Z", 300.0)],
                             "GeneratedTokens": [("2026-11-02T00:00:00Z", 30.0)]}, GPT4O)
    (tmp_path / "full.json").write_text(json.dumps(doc))
    result = load([tmp_path / "full.json"], tmp_path / "store")
    assert [(f.rows_read, f.rows_stored, f.rows_quarantined) for f in result.files] == [(2, 0, 2)]


def test_blank_dimensions_are_a_share_and_an_ungrouped_total_is_not_added_to_them(tmp_path: Path) -> None:
    # grouped fetch of 2026-11-02 00h: gpt4o-prod 100 input, and a series whose deployment and model
    # values are blank 50 input; an ungrouped fetch of the same hour (another file): the total, 150.
    # The grouped rows count (100 + 50 = 150), the total is left out, not added (300)
    hour = "2026-11-02T00:00:00Z"
    grouped = _response("PT1H", {"ProcessedPromptTokens": [(hour, 100.0)]}, GPT4O)
    blank = {"metadatavalues": [{"name": {"value": "modeldeploymentname"}, "value": ""},
                                {"name": {"value": "modelname"}, "value": ""}],
             "data": [{"timeStamp": hour, "total": 50.0}]}
    grouped["value"][0]["timeseries"].append(blank)
    (tmp_path / "grouped.json").write_text(json.dumps(grouped))
    (tmp_path / "total.json").write_text(json.dumps(_response("PT1H", {"ProcessedPromptTokens": [(hour, 150.0)]})))
    store = tmp_path / "store"
    load([tmp_path / "grouped.json", tmp_path / "total.json"], store)
    assert _sums(store) == (2, 0, 150, 0)
    con = Store.open(store).connect()
    assert con.execute("SELECT count(DISTINCT event_id) FROM usage_all").fetchone() == (3,)
