"""`llmcost-forecast plan`: formats, and one `Error:` line with file and key (exit 2) for each mistake."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app

REPO = Path(__file__).resolve().parents[2]
ROUTING = REPO / "sample_logs" / "plans" / "seed-routing.toml"
GOOD = ROUTING.read_text()


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_table_md_and_json_carry_the_same_figures() -> None:
    code, table, _ = _run("plan", str(ROUTING))
    assert code == 0
    assert "$4,000.00" in table and "$2,500.00" in table and "$1,500.00" in table and "$1,368.00" in table
    assert "Assumptions (source)" in table and "default (docs/plan.md)" in table
    code, md, _ = _run("plan", str(ROUTING), "--format", "md")
    assert code == 0 and "| plan | x1 | +0% | route 70% to gpt-4o-mini |" in md and "$1,368.00" in md
    code, js, _ = _run("plan", str(ROUTING), "--format", "json")
    doc = json.loads(js)
    (row,) = [r for r in doc["rows"] if r["scenario"] == "plan" and r["variant"] == "route 70% to gpt-4o-mini"]
    assert Decimal(row["monthly_cost_usd"]) == Decimal("1368")
    assert {a["source"] for a in doc["assumptions"]} <= {"plan", "default", "default (0)", "default (docs/plan.md)"}
    assert [s["name"] for s in doc["scenarios"]] == ["plan", "conservative", "base", "aggressive"]


def test_the_table_fits_120_columns_with_every_figure() -> None:
    """The table was one 210-column row per scenario and variant: in a 120-column terminal every row
    wrapped into the next. Now a table per scenario, what its variants share in its heading."""
    code, table, _ = _run("plan", str(ROUTING))
    assert code == 0
    assert max(len(line) for line in table.splitlines()) <= 120, table
    doc = json.loads(_run("plan", str(ROUTING), "--format", "json")[1])
    flat = " ".join(table.split())
    for sc in doc["scenarios"]:
        assert f"Scenario {sc['name']}: traffic x" in flat
    for r in doc["rows"]:  # each variant's monthly cost, to the cent, in its scenario's table
        block = flat[flat.index(f"Scenario {r['scenario']}:"):]
        row = block[block.index(r["variant"]):]
        assert f"${Decimal(r['monthly_cost_usd']):,.2f}" in row.split(" Scenario ")[0], (r, row[:200])


def test_the_method_reads_as_sentences() -> None:
    """The method paragraph was the module docstring's lines run together: '... o_k x output cache h:
    h p_k ...' with no punctuation between the two formulas, on one 380-character line."""
    code, table, _ = _run("plan", str(ROUTING))
    assert code == 0
    method = table[table.index("Method, "):]
    assert "o_k x output; with a cache hit rate h, h p_k x cache read" in " ".join(method.split())
    assert all(len(line) <= 100 for line in method.splitlines())


def _bad(tmp_path: Path, text: str) -> tuple[int, str]:
    f = tmp_path / "plan.toml"
    f.write_text(text)
    code, out, err = _run("plan", str(f))
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(f) in lines[0], err
    return code, lines[0]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("turns_per_session = 1", "turns_per_sesion = 1",
         "plan.toml:13: unknown key 'turns_per_sesion' in [traffic] (did you mean 'turns_per_session'?)"),
        ('model = "gpt-4o"', 'model = "gpt-4oo"', "line 20, [models] key 'model': no price for model 'gpt-4oo'"),
        ("route_share = 0.7", "route_share = 1.7", "key 'route_share': route_share = 1.7 is out of range"),
        ("route_share = 0.7", 'route_share = "70%"', "key 'route_share': route_share must be a number"),
        ('models = ["claude-sonnet-4-5", "gemini-2.5-flash"]', 'models = ["claude-sonet-4-5"]',
         "[compare] key 'models': no price for model 'claude-sonet-4-5'"),
        ("[compare]", "[comparison]", "plan.toml:29: unknown section 'comparison' (did you mean [compare]?)"),
        ("sessions_per_month = 500000", "users_per_month = 500000",
         "[traffic] key 'sessions_per_user': users_per_month needs sessions_per_user"),
        ("prices_at = 2026-11-01", 'prices_at = "2026-11-01"', "[plan] key 'prices_at': prices_at must be a date"),
        ('provider = "openai"\n', 'provider = "openai"\nshare = 0.5\n',
         "[models] key 'share': the model shares add up to 0.5, not 1"),
        ("sessions_per_month = 500000", "sessions_per_month = 500000\nusers_per_month = 5",
         "both users_per_month and sessions_per_month are given"),
        ("[plan]", "[plan", "not valid TOML"),
    ],
)
def test_a_bad_plan_is_one_error_line_with_file_and_key(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in GOOD
    code, line = _bad(tmp_path, GOOD.replace(old, new, 1))
    assert code == 2
    assert says in line, line


def test_what_the_plan_leaves_out_needs_a_store(tmp_path: Path) -> None:
    code, line = _bad(tmp_path, GOOD.replace("turns_per_session = 1\n", ""))
    assert code == 2
    assert "line 11, [traffic] key 'turns_per_session': not stated, and no store was given" in line
    assert "--store" in line
    code, line = _bad(tmp_path, GOOD.replace("route_share = 0.7\n", ""))
    assert "[alternatives] key 'route_share': alternative 'route 70% to gpt-4o-mini' states no route_share" in line
    code, line = _bad(tmp_path, GOOD.replace("[[alternatives]]", '[[alternatives]]\nname = "c"\ncache = true\n'
                                             "[[alternatives]]"))
    assert "[alternatives] key 'cache_hit_rate': alternative 'c' states no cache_hit_rate" in line


def test_missing_plan_file_and_bad_format(tmp_path: Path) -> None:
    code, _, err = _run("plan", str(tmp_path / "nope.toml"))
    assert code == 2 and err.startswith("Error: ") and "no such plan file" in err
    code, _, err = _run("plan", str(ROUTING), "--format", "csv")
    assert code == 2 and "Unknown --format 'csv' for plan" in err
    code, _, err = _run("plan", str(ROUTING), "--since", "2026-09-01")
    assert code == 2 and "--since and --until choose the logs" in err


def test_names_from_the_plan_file_are_inert_in_table_and_markdown(tmp_path: Path) -> None:
    """The plan's name and an alternative's name are text, as the report's names are (docs/reliability.md,
    Output rules): in Markdown no raw tag, entity, link or code span; on the terminal no forged line."""
    f = tmp_path / "plan.toml"
    f.write_text(GOOD.replace('name = "seed worked example: routing"',
                              'name = "<img src=x onerror=alert(1)> &amp; [a](http://x)"')
                 .replace('name = "route 70% to gpt-4o-mini"', 'name = "mini\\nplan  x1  +0%  fake `row`"'))
    code, md, _ = _run("plan", str(f), "--format", "md")
    assert code == 0
    assert md.splitlines()[0].startswith(r"# Plan &lt;img src=x onerror=alert(1)> &amp;amp; \[a\](http\://x) (")
    assert r"| plan | x1 | +0% | mini plan  x1  +0%  fake \`row\` |" in md
    assert "<img" not in md and "[a](" not in md
    code, table, _ = _run("plan", str(f))
    assert code == 0
    assert not any(line.startswith("plan  x1  +0%  fake") for line in table.splitlines())
    assert "mini plan  x1  +0%  fake `row`" in table
