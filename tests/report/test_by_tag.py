"""Spend by the user's own tags: `--by tag:NAME` (issue 19, last item).

The small store is a LiteLLM spend-log page written here by hand; its expected figures are worked
out in the comments from OpenAI's published gpt-4o-mini price ($0.15 input, $0.60 output per 1M
tokens, https://openai.com/api/pricing), not read back from the code under test. The fixture test
sums the tags written in the four format families' expected.jsonl files.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
runner = CliRunner()


def _row(i: int, model: str, provider: str, prompt: int, completion: int, team: str | None = None,
         tags: list[str] | None = None) -> dict:
    return {
        "request_id": f"req-{i}", "call_type": "acompletion", "api_key": "hashed", "spend": 0,
        "total_tokens": prompt + completion, "prompt_tokens": prompt, "completion_tokens": completion,
        "startTime": f"2026-10-0{i}T10:00:00+00:00", "model": model, "model_group": model,
        "custom_llm_provider": provider, "user": "owner", "end_user": f"cust-{i}", "team_id": "t",
        "metadata": {"spend_logs_metadata": {"team": team} if team else None},
        "request_tags": tags or [], "cache_hit": "False", "session_id": f"s-{i}", "status": "success",
    }


ROWS = [
    _row(1, "gpt-4o-mini", "openai", 1_000_000, 100_000, team="web", tags=["beta"]),  # 0.15 + 0.06 = 0.21
    _row(2, "gpt-4o-mini", "openai", 2_000_000, 0, team="web"),  # 0.30
    _row(3, "gpt-4o-mini", "openai", 100_000, 1_000_000, team="search"),  # 0.015 + 0.60 = 0.615
    _row(4, "acme-llm-9", "acme", 500, 50, team="search"),  # no price: unpriced
    _row(5, "gpt-4o-mini", "openai", 1_000_000, 1_000_000),  # no tag: 0.15 + 0.60 = 0.75
    _row(6, "acme-llm-9", "acme", 700, 70, team="lab"),  # the lab's only request is unpriced
]
# by team: web 2 requests 3,000,000 in 100,000 out $0.51; search 2 requests, 100,500 in, 1,000,050 out,
# $0.615 + 1 unpriced; lab 1 request, no known cost (null, never $0), 1 unpriced; (untagged) 1 request $0.75.
# Their sum: 6 requests, $1.875 = the report's total.
BY_TEAM = {
    "web": {"requests": 2, "input_tokens": 3_000_000, "output_tokens": 100_000, "cost_usd": Decimal("0.51"),
            "unpriced_requests": 0},
    "search": {"requests": 2, "input_tokens": 100_500, "output_tokens": 1_000_050, "cost_usd": Decimal("0.615"),
               "unpriced_requests": 1},
    "(untagged)": {"requests": 1, "input_tokens": 1_000_000, "output_tokens": 1_000_000,
                   "cost_usd": Decimal("0.75"), "unpriced_requests": 0},
    "lab": {"requests": 1, "input_tokens": 700, "output_tokens": 70, "cost_usd": None, "unpriced_requests": 1},
}


def _store(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "spend_logs.json").write_text(json.dumps(ROWS))
    store = tmp_path / "store"
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(store), "-q"])
    assert res.exit_code == 0, res.output
    return store


def _report(store: Path, *args: str) -> str:
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", *args])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_by_tag_team_against_a_hand_count(tmp_path: Path) -> None:
    store = _store(tmp_path)
    doc = json.loads(_report(store, "--format", "json", "--by", "tag:team", "--by", "tag:beta"))
    team = [r for r in doc["by_tag"] if r["tag"] == "team"]
    got = {r["value"]: {k: r[k] for k in BY_TEAM["web"]} for r in team}
    for v in got.values():
        v["cost_usd"] = Decimal(v["cost_usd"]) if v["cost_usd"] is not None else None
    assert got == BY_TEAM
    # priced groups first by cost, then the group without a known cost; (untagged) last
    assert [r["value"] for r in team] == ["search", "web", "lab", "(untagged)"]
    assert [r["untagged"] for r in team] == [False, False, False, True]
    # each tag's rows add up to the report's totals
    assert sum(r["requests"] for r in team) == doc["totals"]["requests"] == 6
    assert sum(Decimal(r["cost_usd"]) for r in team if r["cost_usd"]) == Decimal(doc["totals"]["cost_usd"])
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("1.875")
    # a bare tag (LiteLLM request_tags) has the value 'true'
    beta = {r["value"]: (r["requests"], r["cost_usd"] and Decimal(r["cost_usd"])) for r in doc["by_tag"]
            if r["tag"] == "beta"}
    assert beta == {"true": (1, Decimal("0.21")), "(untagged)": (5, Decimal("1.665"))}
    # the main job takes --by too
    res = runner.invoke(app, ["--logs", str(tmp_path / "logs"), "--store", str(tmp_path / "store2"), "--no-forecast",
                              "--format", "json", "--by", "tag:team"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["by_tag"] == doc["by_tag"][: len(team)]


def test_by_tag_in_csv_markdown_html_and_the_terminal(tmp_path: Path) -> None:
    store = _store(tmp_path)
    rows = list(csv.DictReader(io.StringIO(_report(store, "--format", "csv", "--table", "by_tag", "--by",
                                                   "tag:team"))))
    assert [(r["value"], r["requests"], r["cost_usd"]) for r in rows] == [
        ("search", "2", "0.615000000000"), ("web", "2", "0.510000000000"), ("lab", "1", ""),
        ("(untagged)", "1", "0.750000000000")]
    md = _report(store, "--format", "md", "--by", "tag:team")
    assert "By tag" in md and "| team | lab | 1 |" in md and "unpriced" in md
    html = _report(store, "--format", "html", "--by", "tag:team")
    assert "By tag" in html and "(untagged)" in html
    term = _report(store, "--section", "tags", "--by", "tag:team")
    lines = [ln.split() for ln in term.splitlines()]
    assert ["team", "lab", "1", "700", "0", "0", "70", "unpriced", "1"] in lines
    assert ["team", "(untagged)", "1", "1,000,000", "0", "0", "1,000,000", "$0.75", "0"] in lines
    # without --by the section is absent and the JSON table empty
    assert json.loads(_report(store, "--format", "json"))["by_tag"] == []


def test_by_tag_mistakes_are_one_error_line(tmp_path: Path) -> None:
    store = _store(tmp_path)
    res = runner.invoke(app, ["report", "--store", str(store), "--no-forecast", "--by", "team"])
    assert res.exit_code == 2
    assert res.output.startswith("Error: --by 'team' is not a tag to group by. Fix: write --by tag:NAME")
    assert "Traceback" not in res.output
    # a tag no row carries: a warning, and every request is (untagged)
    doc = json.loads(_report(store, "--format", "json", "--by", "tag:teem"))
    assert [(r["value"], r["requests"]) for r in doc["by_tag"]] == [("(untagged)", 6)]
    warning = next(w for w in doc["warnings"] if "carries the tag 'teem'" in w)
    assert ("(--by tag:teem) (did you mean tag:team?): every request is '(untagged)'. Fix: the tags in this window: "
            "team, beta") in warning


def test_tag_grouping_on_the_four_format_families(tmp_path: Path) -> None:
    inputs = []
    for name in ("litellm_spend_logs_json", "langfuse_observations_jsonl", "helicone_export_jsonl",
                 "otel_genai_spans_jsonl"):
        dest = tmp_path / "logs" / name
        dest.mkdir(parents=True)
        for p in (FIXTURES / name).iterdir():
            if p.name != "expected.jsonl":  # the Langfuse traces export sits beside its observations
                shutil.copy(p, dest / p.name)
        inputs += [str(p) for p in sorted(dest.glob("input*"))]
    res = runner.invoke(app, ["ingest", *inputs, "--store", str(tmp_path / "store"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", "--store", str(tmp_path / "store"), "--no-forecast", "--format", "json",
                              "--by", "tag:team"])
    doc = json.loads(res.stdout)
    got = {r["value"]: r["requests"] for r in doc["by_tag"]}
    # from the fixtures' expected.jsonl: LiteLLM search, web + 2 untagged (and an untagged answer
    # from LiteLLM's response cache: no provider call, not a request); Langfuse search-v2, web + 1
    # untagged; Helicone pricing + 2 untagged; OTel support (resource tag), billing (span metadata) + 1
    assert got == {"search": 1, "web": 2, "search-v2": 1, "pricing": 1, "support": 1, "billing": 1,
                   "(untagged)": 5}
    assert sum(got.values()) == doc["totals"]["requests"] == 12
    assert doc["totals"]["response_cache_hits"] == 1


def test_a_langfuse_traces_export_without_tag_columns_still_joins(tmp_path: Path) -> None:
    src = FIXTURES / "langfuse_observations_csv"
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(src / "input_observations.csv", logs / "input_observations.csv")
    rows = list(csv.reader(io.StringIO((src / "traces.csv").read_text())))
    keep = [i for i, c in enumerate(rows[0]) if c not in ("tags", "metadata")]
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows])
    (logs / "traces.csv").write_text(out.getvalue())
    res = runner.invoke(app, ["ingest", str(logs / "input_observations.csv"), "--store", str(tmp_path / "s"), "-q"])
    assert res.exit_code == 0, res.output
    doc = json.loads(_report(tmp_path / "s", "--format", "json", "--by", "tag:team"))
    # the sessions still come from the traces export; the tags now only from the observation rows'
    # own metadata (expected.jsonl: c83e...0001 team search-v2, the other two rows have none)
    assert doc["conversations"]["counts"]["conversations"] == 1
    assert {r["value"]: r["requests"] for r in doc["by_tag"]} == {"search-v2": 1, "(untagged)": 2}
