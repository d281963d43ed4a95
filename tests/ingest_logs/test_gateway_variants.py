"""Variants of the gateway and observability request logs that became silent wrong totals: a
negative LiteLLM `prompt_tokens` stored as 0, and a row stating one main token count and leaving
the other null, empty or out stored with 0 for it (an unknown priced as $0). Each case takes a
shared fixture, changes its first record, and checks what lands in the store against the
fixture's expected rows worked by hand."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
NOT_REPORTED = "is null or missing (not reported): the request's tokens are unknown, not 0"


def _first_json(change: Callable[[dict], None]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.splitlines()
        rec = json.loads(lines[0])
        change(rec)
        return "\n".join([json.dumps(rec), *lines[1:]]) + "\n"
    return edit


def _first_csv(col: str, value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text, newline="")))
        rows[1][rows[0].index(col)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()
    return edit


def _drop_attr(key: str) -> Callable[[dict], None]:
    """Leave attribute `key` out of the first span that has it."""
    def change(rec: dict) -> None:
        spans = [s for rs in rec["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
        span = next(s for s in spans if any(a["key"] == key for a in s["attributes"]))
        span["attributes"] = [a for a in span["attributes"] if a["key"] != key]
    return change


def _set(path: tuple[str, ...], value: object) -> Callable[[dict], None]:
    def change(rec: dict) -> None:
        for k in path[:-1]:
            rec = rec[k]
        rec[path[-1]] = value
    return change


def _ingest(tmp_path: Path, fmt: str, name: str, edit: Callable[[str], str]) -> tuple[Path, Path]:
    folder = tmp_path / "logs"
    folder.mkdir(parents=True)
    for sibling in (FIXTURES / fmt).iterdir():  # a Langfuse traces export stays beside its observations
        if sibling.name not in (name, "expected.jsonl"):
            (folder / sibling.name).write_bytes(sibling.read_bytes())
    f = folder / name
    f.write_text(edit((FIXTURES / fmt / name).read_text(encoding="utf-8")), encoding="utf-8")
    store = tmp_path / "store"
    [r] = load([f], store).files
    assert r.status == "ingested" and r.ingestor == fmt
    return f, store


def _quarantine(store: Path, f: Path) -> dict[int, str]:
    """Line -> reason of the quarantined records, all of file `f`."""
    entries = [json.loads(x) for q in sorted((store / "quarantine").glob("*.jsonl"))
               for x in q.read_text().splitlines()]
    assert {e["file"] for e in entries} == {str(f)}
    return {e["line"]: e["reason"] for e in entries}


def _sums(store: Path) -> tuple[int, int, int]:
    n, i, o = Store.open(store).connect().execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage").fetchone()
    return int(n), int(i), int(o)


LITELLM_PAGES = "input_spend_logs_v2.json"


def _litellm_first(key: str, value: object) -> Callable[[str], str]:
    def change(page: dict) -> None:
        page["data"][0][key] = value
    return _first_json(change)


@pytest.mark.parametrize(("fmt", "name", "edit"), [
    ("litellm_spend_logs_json", LITELLM_PAGES, _litellm_first("prompt_tokens", -5)),
    ("litellm_spend_logs_csv", "input_spend_logs.csv", _first_csv("prompt_tokens", "-5")),
], ids=["json", "csv"])
def test_litellm_negative_prompt_tokens_is_quarantined_not_zero(tmp_path: Path, fmt: str, name: str, edit) -> None:  # type: ignore[no-untyped-def]
    # The first row states prompt_tokens -5 beside a cache write of 3000: -5 - 0 - 3000 < 0 fell to
    # greatest(-5 - 0, 0) = 0, a row of 0 input stored. Now -5 stays and the loader quarantines it.
    f, store = _ingest(tmp_path, fmt, name, edit)
    q = _quarantine(store, f)
    first = 1 if fmt.endswith("json") else 2  # a JSON record's index; a CSV row's file line
    assert q[first] == "negative input_tokens: -5"
    # the other three rows, by hand: input 15 + 9 + 500 = 524, output 150 + 310 + 60 = 520
    assert _sums(store) == (3, 524, 520)


CASES = [
    # format, file, edit of the first record, the count named, first record's line, (rows, input, output)
    # LiteLLM rows 2-4: input 15 + 9 + 500 = 524, output 150 + 310 + 60 = 520
    ("litellm_spend_logs_json", LITELLM_PAGES, _litellm_first("prompt_tokens", None), "prompt_tokens", 1,
     (3, 524, 520)),
    ("litellm_spend_logs_csv", "input_spend_logs.csv", _first_csv("prompt_tokens", ""), "prompt_tokens", 2,
     (3, 524, 520)),
    ("litellm_spend_logs_csv", "input_spend_logs.csv", _first_csv("completion_tokens", ""), "completion_tokens", 2,
     (3, 524, 520)),
    # Helicone CSV rows 2 and 3: input 279 + 2100 = 2379, output 140 + 120 = 260
    ("helicone_export_csv", "input_export.csv", _first_csv("prompt_tokens", ""), "prompt_tokens", 2,
     (2, 2379, 260)),
    # Helicone JSONL lines 2 and 4: input 279 + 1076 = 1355, output 140 + 120 = 260
    ("helicone_export_jsonl", "input_export.jsonl", _first_json(_set(("prompt_tokens",), None)), "prompt_tokens",
     1, (2, 1355, 260)),
    # Portkey lines 2 and 3: input 800 + 2000 = 2800, output 120 + 500 = 620
    ("portkey_logs_export_jsonl", "input.jsonl", _first_json(_set(("req_units",), None)), "req_units", 1,
     (2, 2800, 620)),
    # Langfuse lines 2 and 5: input 150 + 1900 = 2050, output 124 + 120 = 244
    ("langfuse_observations_jsonl", "input_observations.jsonl",
     _first_json(lambda r: r["usageDetails"].pop("input")), "usageDetails.input", 1, (2, 2050, 244)),
    # OTel spans on lines 2 and 4: input 20 + 20 = 40, output 220 + 95 = 315
    ("otel_genai_spans_jsonl", "input_spans.jsonl", _first_json(_drop_attr("gen_ai.usage.input_tokens")),
     "gen_ai.usage.input_tokens", 1, (2, 40, 315)),
    # OpenInference LLM spans on lines 2, 4 and 5: input 18 + 64 + 12 = 94, output 402 + 0 + 88 = 490
    ("openinference_spans_jsonl", "input_spans.jsonl", _first_json(_drop_attr("llm.token_count.prompt")),
     "llm.token_count.prompt", 1, (3, 94, 490)),
]


@pytest.mark.parametrize(("fmt", "name", "edit", "count", "line", "want"), CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_one_main_count_not_reported_is_quarantined_not_zero(  # type: ignore[no-untyped-def]
        tmp_path: Path, fmt: str, name: str, edit, count: str, line: int, want: tuple[int, int, int]) -> None:
    # Before, the first record was stored with 0 for the missing count (its input or output lost
    # from the totals, and priced as $0); now it is quarantined with file, line and reason.
    f, store = _ingest(tmp_path, fmt, name, edit)
    assert _quarantine(store, f)[line] == f"{count} {NOT_REPORTED}"
    assert _sums(store) == want


def _with_copy_of_first(cut: bool) -> Callable[[str], str]:
    """The CSV with its first row appended again under a new id and no line end after it; `cut`:
    the appended row stops halfway (an export still being written)."""
    def edit(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text, newline="")))
        copy = [f"{rows[1][0]}-again", *rows[1][1:]]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(copy)
        last = out.getvalue().rstrip("\n")
        return text.rstrip("\n") + "\n" + (last[: len(last) // 2] if cut else last)
    return edit


CUT_CASES = [
    # format, file, line of the appended row, (rows, input, output) of the fixture, and its first row's
    # (input, output): the appended row adds them when whole, nothing when cut
    ("litellm_spend_logs_csv", "input_spend_logs.csv", 7, (4, 536, 720), (12, 200)),
    ("helicone_export_csv", "input_export.csv", 6, (3, 2689, 355), (310, 95)),
    ("langfuse_observations_csv", "input_observations.csv", 7, (3, 2329, 384), (279, 140)),  # 5 records
    # OpenRouter: tokens_prompt 5000 of which 4000 cached, so input 1000; 900 completion
    ("openrouter_activity_csv", "input_activity.csv", 7, (3, 7200, 4400), (1000, 900)),
]


@pytest.mark.parametrize(("fmt", "name", "line", "base", "first"), CUT_CASES, ids=[c[0] for c in CUT_CASES])
def test_csv_last_row_cut_short_is_quarantined(  # type: ignore[no-untyped-def]
        tmp_path: Path, fmt: str, name: str, line: int, base: tuple[int, int, int], first: tuple[int, int]) -> None:
    # Before: DuckDB padded the cut row with NULLs and it was stored: LiteLLM with its metadata cut,
    # so the cache write of 3000 was not taken off (input 3012, not 12); Langfuse with usageDetails
    # cut, so 0 tokens; OpenRouter with what was left (its app_name cut); Helicone quarantined only by
    # luck ("no token counts").
    f, store = _ingest(tmp_path / "cut", fmt, name, _with_copy_of_first(cut=True))
    assert _quarantine(store, f)[line].startswith("the last row ends early (no line end after it")
    assert _sums(store) == base
    # the whole row with no line end after it (a spreadsheet's export) is read: e.g. LiteLLM
    # 4 + 1 rows, input 536 + 12 = 548, output 720 + 200 = 920
    f, store = _ingest(tmp_path / "whole", fmt, name, _with_copy_of_first(cut=False))
    assert line not in _quarantine(store, f)
    assert _sums(store) == (base[0] + 1, base[1] + first[0], base[2] + first[1])


def test_a_helicone_row_stating_its_input_alone_is_kept(tmp_path: Path) -> None:
    # an embedding states its input alone: Helicone's empty completion_tokens is 0 output, not an
    # unreported count. All 3 rows stored: input 2,689 as before, output 140 + 120 + 0 = 260
    f, store = _ingest(tmp_path, "helicone_export_csv", "input_export.csv", _first_csv("completion_tokens", ""))
    assert 2 not in _quarantine(store, f)  # the fixture's line 4 is quarantined on purpose
    assert _sums(store) == (3, 2689, 260)


@pytest.mark.parametrize(("fmt", "name", "edit", "line"), [
    ("langfuse_observations_jsonl", "input_observations.jsonl", _first_json(_set(("usageDetails",), {})), 1),
    ("langfuse_observations_jsonl", "input_observations.jsonl", _first_json(lambda r: r.pop("usageDetails")), 1),
    ("langfuse_observations_csv", "input_observations.csv", _first_csv("usageDetails", "{}"), 2),
    ("langfuse_observations_csv", "input_observations.csv", _first_csv("usageDetails", ""), 2),
], ids=["jsonl-empty", "jsonl-missing", "csv-empty", "csv-blank"])
def test_a_langfuse_generation_without_usage_is_quarantined_not_zero(  # type: ignore[no-untyped-def]
        tmp_path: Path, fmt: str, name: str, edit, line: int) -> None:
    # The first GENERATION (279 input, 140 output, billed $0.0005532) with usageDetails {} or
    # without it was stored with 0 tokens, an estimate of $0 beside its bill. Now quarantined.
    # The other two GENERATIONs, by hand: input 150 + 1900 = 2050, output (60 + 64) + 120 = 244.
    from llmcost.ingest._langfuse import NO_USAGE

    f, store = _ingest(tmp_path, fmt, name, edit)
    assert _quarantine(store, f)[line] == NO_USAGE
    assert _sums(store) == (2, 2050, 244)


def test_a_litellm_prompt_smaller_than_its_cache_read_is_the_uncached_input(tmp_path: Path) -> None:
    # Anthropic's convention, which LiteLLM's anthropic_messages rows follow: prompt_tokens 12 is the
    # uncached input beside a cache read of 2,495 (it cannot include a read larger than itself).
    # The first row read input max(12 - 2495, 0) = 0; now 12. Rows 2-4 as in CASES: input 524,
    # output 520; the first row's output, 40.
    def change(page: dict) -> None:
        row = page["data"][0]
        row.update(prompt_tokens=12, completion_tokens=40, total_tokens=52)
        row["metadata"] = {"additional_usage_values": {"cache_read_input_tokens": 2495,
                                                       "cache_creation_input_tokens": 0}}
    f, store = _ingest(tmp_path, "litellm_spend_logs_json", LITELLM_PAGES, _first_json(change))
    assert 1 not in _quarantine(store, f)  # (the fixture's record 5 is quarantined on purpose)
    assert _sums(store) == (4, 524 + 12, 520 + 40)
    read = Store.open(store).connect().execute(
        "SELECT cache_read_tokens FROM usage WHERE input_tokens = 12").fetchall()
    assert read == [(2495,)]


@pytest.mark.parametrize("cached", ["4000", ""], ids=["with-cached", "no-cached"])
def test_an_openrouter_row_with_an_empty_tokens_prompt_is_not_reported(tmp_path: Path, cached: str) -> None:
    # The first row (tokens_prompt 5000, 4000 cached, 900 completion) with tokens_prompt emptied:
    # with its cached count the reason named tokens_cached ("larger than tokens_prompt"), without
    # it the row was stored with 0 input. Now: the input is not reported. The other two rows, from
    # the fixture's totals (CUT_CASES): 3 rows, input 7200, output 4400, less the first's 1000 / 900.
    def edit(text: str) -> str:
        return _first_csv("tokens_cached", cached)(_first_csv("tokens_prompt", "")(text))
    f, store = _ingest(tmp_path, "openrouter_activity_csv", "input_activity.csv", edit)
    q = _quarantine(store, f)
    assert q[2] == f"tokens_prompt {NOT_REPORTED}"
    assert sorted(q) == [2, 4, 5]  # the fixture's lines 4 and 5 are quarantined on purpose
    assert _sums(store) == (2, 7200 - 1000, 4400 - 900)
