"""Planted secrets never leave the input: not in the store, the quarantine, or any report format.

Secrets (OpenAI sk-/sk-proj- keys, an Anthropic sk-ant- key, a bearer token, an AWS AKIA key id)
are planted in several formats' inputs: api_key fields, user fields, free text (prompts and
replies, metadata), and malformed lines that end up in the quarantine. Then the store is built
with and without --keep-text, every report format is written, and every byte is searched: all
files under the store directory (Parquet also decoded, since its pages may be compressed), every
report, the CLI's stdout and stderr. Masked stubs keep only the last four characters.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.report import FORMATS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

OPENAI = "sk-proj-Q7xV2mN9pL4kR8sT1wZ5yB3cD6fG0hJa1b2"
LEGACY = "sk-LgCy1234567890abcdefGHIJKLmnopqrT3BA"
ANTHROPIC = "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9f2a"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5NAb12"
AWS = "AKIAIOSFODNN7EXAMPLE"
SECRETS = {"openai": OPENAI, "legacy": LEGACY, "anthropic": ANTHROPIC, "bearer": BEARER, "aws": AWS}
ALL = f"keys {OPENAI} {LEGACY} {ANTHROPIC} Authorization: Bearer {BEARER} aws {AWS}"


def _leak_markers(secret: str) -> list[bytes]:
    """Pieces that must not appear: the secret without its last four characters, and its middle."""
    body = secret[:-4]
    mid = secret[len(secret) // 2 - 6: len(secret) // 2 + 6]
    return [body.encode(), mid.encode()]


def _plant(logs: Path) -> None:
    # LiteLLM spend logs (JSON and CSV): api_key, user and metadata free text
    src = (FIXTURES / "litellm_spend_logs_json" / "input_spend_logs_v2.json").read_text()
    src = src.replace("88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b", OPENAI, 1)
    src = src.replace('"u_platform_admin"', f'"{LEGACY}"', 1)
    src = src.replace('"request_tags":[]', f'"request_tags":["{ALL}"]', 1)
    (logs / "litellm.json").write_text(src)
    csv = (FIXTURES / "litellm_spend_logs_csv" / "input_spend_logs.csv").read_text()
    csv = csv.replace("88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b", ANTHROPIC)
    csv = csv.replace("u_platform_admin", f"Bearer {BEARER}")
    (logs / "litellm.csv").write_text(csv)
    # OpenAI responses in an app envelope: user field, reply text, and broken lines with every secret
    lines = (FIXTURES / "openai_response_jsonl" / "input.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["user"] = AWS
    first["response"]["choices"][0]["message"]["content"] = ALL
    first["metadata"] = {"note": ALL}
    lines[0] = json.dumps(first)
    neg = json.loads(lines[1])
    neg["user"] = OPENAI
    neg["response"]["id"] = "chatcmpl-neg"
    neg["response"]["usage"]["prompt_tokens"] = -5  # quarantined with its raw text
    lines += [json.dumps(neg), "{broken " + ALL, ALL]
    (logs / "app.jsonl").write_text("\n".join(lines) + "\n")
    # Claude Code: secrets in the prompt and the reply
    cc = []
    for line in (FIXTURES / "claude_code_jsonl" / "input_session.jsonl").read_text().splitlines():
        cc.append(line.replace('"text":"Fixed."', f'"text":"{ALL}"').replace('"text":"Adding tests."',
                                                                            f'"text":"{ALL}"'))
    cc.append('{"type":"assistant","broken": "' + ALL)
    (logs / "projects").mkdir()
    (logs / "projects" / "session.jsonl").write_text("\n".join(cc) + "\n")
    # a file no format reads, named after nothing secret but full of secrets
    (logs / "notes.log").write_text(ALL + "\n")


def _search(blobs: dict[str, bytes]) -> list[str]:
    found = []
    for where, data in blobs.items():
        for name, secret in SECRETS.items():
            for marker in _leak_markers(secret):
                if marker in data:
                    found.append(f"{name} secret in {where}")
                    break
    return found


def _store_bytes(store: Path) -> dict[str, bytes]:
    blobs = {}
    for p in store.rglob("*"):
        if not p.is_file():
            continue
        blobs[str(p)] = p.read_bytes()
        if p.suffix == ".parquet":
            rel = duckdb.connect().execute(f"SELECT * FROM read_parquet('{p}')")
            blobs[f"{p} (decoded)"] = repr(rel.fetchall()).encode()
    return blobs


@pytest.mark.parametrize("keep_text", [False, True])
def test_planted_secrets_are_nowhere_in_store_quarantine_or_reports(tmp_path: Path, keep_text: bool) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _plant(logs)
    store = tmp_path / "store"
    runner = CliRunner()
    blobs: dict[str, bytes] = {}
    extra = ["--keep-text"] if keep_text else []
    res = runner.invoke(app, ["ingest", str(logs), "--store", str(store), *extra])
    assert res.exit_code in (0, 1), res.output
    blobs["ingest stdout+stderr"] = res.output.encode()
    # the main job: ingest again (unchanged) and print the report, with the run's problems in it
    res = runner.invoke(app, ["--logs", str(logs), "--store", str(store), "--format", "json", *extra])
    assert res.exit_code in (0, 1), res.output
    blobs["main job stdout+stderr"] = res.output.encode()
    for fmt in FORMATS:
        out = tmp_path / "reports" / f"report.{fmt}"
        res = runner.invoke(app, ["report", "--store", str(store), "--format", fmt, "--out", str(out)])
        assert res.exit_code == 0, (fmt, res.output)
        for f in [out] if out.is_file() else sorted(x for x in out.rglob("*") if x.is_file()):
            blobs[f"report {fmt} {f.name}"] = f.read_bytes()
        res = runner.invoke(app, ["report", "--store", str(store), "--format", fmt])
        blobs[f"report {fmt} stdout"] = res.output.encode()
    blobs.update(_store_bytes(store))
    # the test plants what it means to: the quarantine holds the broken lines, masked; without
    # --keep-text only their shape (no word of them), with it the masked record
    quarantine = b"".join(p.read_bytes() for p in (store / "quarantine").glob("*.jsonl"))
    entries = [json.loads(x) for x in quarantine.splitlines()]
    assert len(entries) >= 3 and all(e["line"] and e["reason"] for e in entries)
    if keep_text:
        assert b"broken" in quarantine and b"sk-proj-***a1b2" in quarantine and b"AKIA***MPLE" in quarantine
    else:
        assert b"broken" not in quarantine and all("raw" not in e and "shape" in e for e in entries)
        assert b"***" in quarantine  # masked first, then stripped of words
    stored = b"".join(v for k, v in blobs.items() if k.endswith("(decoded)"))
    assert b"sk-proj-***a1b2" in stored and b"sk-ant-api03-***9f2a" in stored  # api_key and free text masked
    if keep_text:
        assert b"Bearer ***Ab12" in stored  # the kept text, masked
    leaks = _search(blobs)
    assert not leaks, leaks
    shutil.rmtree(tmp_path / "reports")


def test_stage_file_a_killed_run_would_leave_holds_no_secret(tmp_path: Path) -> None:
    """The staged Parquet (left in .staging by a kill -9 until the next run) keeps rejected raw text masked."""
    from llmcost import ingest
    from llmcost.ingest import InputFile
    from llmcost.ingest.loader import Loader
    from llmcost.storage.store import Store

    src = tmp_path / "app.jsonl"
    good = (FIXTURES / "openai_response_jsonl" / "input.jsonl").read_text().splitlines()[0]
    src.write_text("\n".join([good, "{broken " + ALL, ALL]) + "\n")
    store = Store.open(tmp_path / "s", create=True)
    loader = Loader(store)
    with store.writer() as w:  # the loader's connection is its writer's
        con = loader.ctx.con = w.con
        data = src.read_bytes()
        f = InputFile(path=src, display=str(src), head=data[:65536], size=len(data), sha256="-")
        stage = tmp_path / "stage.parquet"
        loader._stage(con, ingest.get("openai_response_jsonl"), f, stage, 1)
        blobs = {"stage": stage.read_bytes(),
                 "stage (decoded)": repr(con.execute(f"SELECT * FROM read_parquet('{stage}')").fetchall()).encode()}
    assert b"broken" in blobs["stage (decoded)"]
    assert not _search(blobs)
