"""The pre-launch plan: "what will 50,000 users cost?" from a plan in business units.

A plan file (docs/plan.md) states monthly users, sessions per user, turns per session, the prompt
(system, retrieval, user tokens per turn, output per turn), the model mix and alternatives
(routing, caching, trimming). Whatever it leaves out comes from a store's logs, when one is
given: the per-turn prompt curve and output, the turns per session, the cache hit rate and the
simple-request share (the complexity mix). Every figure is computed in `Decimal` from the
catalog's per-token prices; every assumption carries its source (plan, logs or default).

The arithmetic is `METHOD` below, which the plan document states as its `method`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from llmcost import clock
from llmcost.config.strict import MAX_NUMBER, Positions, check_keys, finite, parse_toml, read_text, unknown_section
from llmcost.errors import ConfigError, UsageError
from llmcost.text import suggestion

METHOD = (
    "per request at turn k on one model with prompt p_k and output o_k: without a cache, p_k x input + o_k x "
    "output; with a cache hit rate h, h p_k x cache read + (1 - h) p_k x (cache write if write_misses else input) "
    "+ o_k x output. A session costs the sum over turns of w_k x (request cost at turn k), where w_k is the "
    "expected number of requests at turn k per session. A month costs sessions x that."
)
"""How the plan's figures are made (the document's `method`), one paragraph: it is printed as it is."""

_MILLION = Decimal(1_000_000)
_ZERO = Decimal(0)
_ONE = Decimal(1)

SCENARIO_DEFAULTS: dict[str, dict[str, Any]] = {
    "conservative": {"traffic": Decimal("0.2"), "context_growth": Decimal(0), "caching": True},
    "base": {"traffic": Decimal(1), "context_growth": Decimal("0.3"), "caching": True},
    "aggressive": {"traffic": Decimal(3), "context_growth": Decimal("0.5"), "caching": False},
}
"""The three default scenarios (docs/plan.md); a plan's [scenarios.NAME] overrides any key."""

_SECTIONS: dict[str, set[str]] = {
    "plan": {"name", "prices_at"},
    "traffic": {"users_per_month", "sessions_per_user", "sessions_per_month", "turns_per_session",
                "turns_distribution"},
    "prompt": {"system_tokens", "retrieval_tokens", "user_tokens_per_turn", "output_tokens_per_turn", "history"},
    "models": {"model", "provider", "share"},
    "alternatives": {"name", "route_to", "route_provider", "route_share", "cache", "cache_hit_rate",
                     "cache_write_misses", "trim_history_tokens"},
    "scenarios": set(SCENARIO_DEFAULTS),
    "compare": {"models"},
}
_SCENARIO_KEYS = {"traffic", "context_growth", "caching"}
_ARRAYS = {"models", "alternatives"}
"""The sections written as arrays of tables ([[models]])."""


@dataclass(frozen=True)
class Assumption:
    """One input of the plan's arithmetic and where it came from."""

    key: str
    """Plan key it answers, e.g. `traffic.turns_per_session`."""
    value: str
    """The value as shown."""
    source: str
    """`plan`, `logs` (with the window) or `default`."""


@dataclass(frozen=True)
class ModelShare:
    model: str
    provider: str | None
    share: Decimal


@dataclass(frozen=True)
class Alternative:
    name: str
    route_to: str | None = None
    route_provider: str | None = None
    route_share: Decimal | None = None
    cache: bool = False
    cache_hit_rate: Decimal | None = None
    cache_write_misses: bool | None = None
    """None: not stated (misses pay the write price, the default)."""
    trim_history_tokens: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    traffic: Decimal
    context_growth: Decimal
    caching: bool


@dataclass
class Plan:
    """A validated plan file; None means "not stated" (from the logs, or an error without them)."""

    path: str
    name: str
    prices_at: date | None
    users_per_month: list[int] | None
    sessions_per_user: Decimal | None
    sessions_per_month: Decimal | None
    turns_per_session: Decimal | None
    turns_distribution: dict[int, Decimal] | None
    system_tokens: int | None
    retrieval_tokens: int | None
    user_tokens_per_turn: int | None
    output_tokens_per_turn: int | None
    history: bool | None
    models: list[ModelShare]
    alternatives: list[Alternative]
    scenarios: list[Scenario]
    compare: list[str]
    lines: list[str] = field(default_factory=list, repr=False)


# -- reading ------------------------------------------------------------------------------------


class _Reader:
    """Strict checks with file, line and key in every message."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.pos = Positions(text)

    def line(self, section: str, key: str | None, index: int = 0) -> int | None:
        """Line of `key` under the index-th `[section]` / `[[section]]` header (1-based), or of the header;
        with no section, of `key` at the top level or of a `[key]` header."""
        if section:
            return self.pos.line(key, section, index)
        return self.pos.line(key) or self.pos.line(None, key) if key else None

    def fail(self, section: str, key: str | None, what: str, fix: str, index: int = 0) -> ConfigError:
        line = self.line(section, key, index)
        where = self.path + (f", line {line}" if line else "")
        where += f", [{section}]" if section else ""
        where += f" key {key!r}" if key else ""
        return ConfigError(f"{where}: {what}. Fix: {fix} (docs/plan.md).")

    def keys(self, section: str, raw: dict[str, Any], allowed: set[str], index: int = 0) -> None:
        shown = f"[[{section}]]" if section in _ARRAYS else f"[{section}]"
        check_keys(raw, allowed, file=self.path, positions=self.pos, table=section, index=index, shown=shown,
                   doc="docs/plan.md")

    def number(self, section: str, raw: dict[str, Any], key: str, *, lo: Decimal = _ZERO,
               hi: Decimal | None = None, index: int = 0) -> Decimal | None:
        v = raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            raise self.fail(section, key, f"{key} must be a number, got {v!r}",
                            f"write e.g. {key} = 0.5 without quotes", index)
        d = Decimal(v)
        if not finite(d):
            raise self.fail(section, key, f"{key} = {v} is not a usable number (not finite or over {MAX_NUMBER:,f})",
                            f"write a finite number, e.g. {key} = 0.5", index)
        if d < lo or (hi is not None and d > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise self.fail(section, key, f"{key} = {v} is out of range", f"use a value {rng}", index)
        return d

    def whole(self, section: str, raw: dict[str, Any], key: str, *, lo: int = 0, index: int = 0) -> int | None:
        v = raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < lo or v > MAX_NUMBER:
            raise self.fail(section, key, f"{key} must be a whole number >= {lo} (at most {MAX_NUMBER:,f}), got {v!r}",
                            f"write e.g. {key} = 2000", index)
        return v

    def text(self, section: str, raw: dict[str, Any], key: str, index: int = 0) -> str | None:
        v = raw.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.fail(section, key, f"{key} must be non-empty text, got {v!r}", f'write {key} = "..."', index)
        return v

    def flag(self, section: str, raw: dict[str, Any], key: str, default: bool, index: int = 0) -> bool:
        v = raw.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(section, key, f"{key} must be true or false, got {v!r}",
                            f"write {key} = true or {key} = false", index)
        return v

    def table(self, data: dict[str, Any], section: str) -> dict[str, Any]:
        v = data.get(section, {})
        if not isinstance(v, dict):
            raise self.fail("", section, f"{section} must be a table", f"write [{section}] on its own line")
        return v


def parse_plan(text: str, path: str = "<plan>") -> Plan:
    """Validate a plan file's text; any mistake is a ConfigError naming file, line and key."""
    r = _Reader(path, text)
    data = parse_toml(text, path, decimals=True, kind="plan")
    for sec in data:
        if sec not in _SECTIONS:
            raise unknown_section(path, r.line("", sec), sec, _SECTIONS, "docs/plan.md", arrays=_ARRAYS)

    meta = r.table(data, "plan")
    r.keys("plan", meta, _SECTIONS["plan"])
    name = r.text("plan", meta, "name") or Path(path).stem
    prices_at = meta.get("prices_at")
    if prices_at is not None and (not isinstance(prices_at, date) or isinstance(prices_at, datetime)):
        raise r.fail("plan", "prices_at", f"prices_at must be a date, got {prices_at!r}",
                     "write prices_at = 2026-11-01 (a TOML date, no quotes)")

    tr = r.table(data, "traffic")
    r.keys("traffic", tr, _SECTIONS["traffic"])
    users_raw = tr.get("users_per_month")
    users: list[int] | None = None
    if users_raw is not None:
        seq = users_raw if isinstance(users_raw, list) else [users_raw]
        if not seq or any(isinstance(u, bool) or not isinstance(u, int) or u < 0 for u in seq):
            raise r.fail("traffic", "users_per_month",
                         f"users_per_month must be a whole number or a list of them (a growth path), got {users_raw!r}",
                         "write users_per_month = 50000 or users_per_month = [10000, 25000, 50000]")
        users = [int(u) for u in seq]
    spu = r.number("traffic", tr, "sessions_per_user")
    spm = r.number("traffic", tr, "sessions_per_month")
    if users is not None and spm is not None:
        raise r.fail("traffic", "sessions_per_month", "both users_per_month and sessions_per_month are given",
                     "state one of them")
    if users is None and spm is None:
        raise r.fail("traffic", None, "the plan states no traffic",
                     "add users_per_month (with sessions_per_user) or sessions_per_month to [traffic]")
    if users is not None and spu is None:
        raise r.fail("traffic", "sessions_per_user", "users_per_month needs sessions_per_user",
                     "add sessions_per_user = 4 (sessions per user per month)")
    if users is None and spu is not None:
        raise r.fail("traffic", "sessions_per_user", "sessions_per_user is given without users_per_month",
                     "add users_per_month, or drop sessions_per_user")
    tps = r.number("traffic", tr, "turns_per_session", lo=_ONE)
    dist_raw = tr.get("turns_distribution")
    dist: dict[int, Decimal] | None = None
    if dist_raw is not None:
        if tps is not None:
            raise r.fail("traffic", "turns_distribution", "both turns_per_session and turns_distribution are given",
                         "state one of them")
        if not isinstance(dist_raw, dict) or not dist_raw:
            raise r.fail("traffic", "turns_distribution", "turns_distribution must be a table of turns = share",
                         'write turns_distribution = { "1" = 0.5, "2" = 0.3, "5" = 0.2 }')
        dist = {}
        for k, v in dist_raw.items():
            if not k.isdigit() or int(k) < 1 or isinstance(v, bool) or not isinstance(v, int | Decimal) or v < 0:
                raise r.fail("traffic", "turns_distribution", f"entry {k!r} = {v!r} is not turns = share",
                             'write e.g. "3" = 0.25 (a session length, then its share of sessions)')
            dist[int(k)] = Decimal(v)
        if sum(dist.values()) != _ONE:
            raise r.fail("traffic", "turns_distribution",
                         f"the shares add up to {sum(dist.values())}, not 1", "make the shares add up to 1")

    pr = r.table(data, "prompt")
    r.keys("prompt", pr, _SECTIONS["prompt"])
    ints = {k: r.whole("prompt", pr, k) for k in ("system_tokens", "retrieval_tokens", "user_tokens_per_turn",
                                                   "output_tokens_per_turn")}
    history = r.flag("prompt", pr, "history", True) if "history" in pr else None

    models_raw = data.get("models", [])
    if not isinstance(models_raw, list) or not models_raw:
        raise r.fail("", "models", "the plan names no model",
                     'add [[models]] with model = "gpt-4o" (and share = ... for a mix)')
    models: list[ModelShare] = []
    for i, m in enumerate(models_raw):
        r.keys("models", m, _SECTIONS["models"], i)
        model = r.text("models", m, "model", i)
        if model is None:
            raise r.fail("models", None, f"[[models]] #{i + 1} has no model", 'add model = "..."', i)
        share = r.number("models", m, "share", hi=_ONE, index=i)
        if share is None:
            if len(models_raw) > 1:
                raise r.fail("models", None, f"[[models]] #{i + 1} has no share in a mix of {len(models_raw)}",
                             "add share = 0.5 (its share of the requests)", i)
            share = _ONE
        models.append(ModelShare(model, r.text("models", m, "provider", i), share))
    if sum(m.share for m in models) != _ONE:
        raise r.fail("models", "share", f"the model shares add up to {sum(m.share for m in models)}, not 1",
                     "make the [[models]] shares add up to 1")

    alts: list[Alternative] = []
    seen: set[str] = set()
    for i, a in enumerate(data.get("alternatives", [])):
        r.keys("alternatives", a, _SECTIONS["alternatives"], i)
        aname = r.text("alternatives", a, "name", i)
        if aname is None:
            raise r.fail("alternatives", None, f"[[alternatives]] #{i + 1} has no name", 'add name = "..."', i)
        if aname in seen or aname in ("plan",):
            raise r.fail("alternatives", "name", f"name {aname!r} is used twice or reserved",
                         "give every alternative its own name", i)
        seen.add(aname)
        hit = r.number("alternatives", a, "cache_hit_rate", hi=_ONE, index=i)
        cache = r.flag("alternatives", a, "cache", hit is not None, i)
        if hit is not None and not cache:
            raise r.fail("alternatives", "cache", "cache = false with a cache_hit_rate",
                         "drop cache = false or the hit rate", i)
        route_share = r.number("alternatives", a, "route_share", hi=_ONE, index=i)
        route_to = r.text("alternatives", a, "route_to", i)
        if route_share is not None and route_to is None:
            raise r.fail("alternatives", "route_share", "route_share without route_to",
                         'add route_to = "gpt-4o-mini" (the model the requests move to)', i)
        alt = Alternative(
            aname, route_to, r.text("alternatives", a, "route_provider", i), route_share, cache, hit,
            r.flag("alternatives", a, "cache_write_misses", True, i) if "cache_write_misses" in a else None,
            r.whole("alternatives", a, "trim_history_tokens", index=i),
        )
        if not (alt.route_to or alt.cache or alt.trim_history_tokens is not None):
            raise r.fail("alternatives", None, f"alternative {aname!r} changes nothing",
                         "give it route_to, cache or trim_history_tokens", i)
        alts.append(alt)

    sc = r.table(data, "scenarios")
    r.keys("scenarios", sc, _SECTIONS["scenarios"])
    scenarios = []
    for sname, defaults in SCENARIO_DEFAULTS.items():
        raw = sc.get(sname, {})
        sec = f"scenarios.{sname}"
        if not isinstance(raw, dict):
            raise r.fail("scenarios", sname, f"{sname} must be a table", f"write [scenarios.{sname}]")
        r.keys(sec, raw, _SCENARIO_KEYS)
        traffic = r.number(sec, raw, "traffic")
        growth = r.number(sec, raw, "context_growth", lo=Decimal(-1))
        scenarios.append(Scenario(
            sname,
            defaults["traffic"] if traffic is None else traffic,
            defaults["context_growth"] if growth is None else growth,
            r.flag(sec, raw, "caching", defaults["caching"]),
        ))

    cmp_ = r.table(data, "compare")
    r.keys("compare", cmp_, _SECTIONS["compare"])
    compare = cmp_.get("models", [])
    if not isinstance(compare, list) or any(not isinstance(c, str) or not c for c in compare):
        raise r.fail("compare", "models", f"models must be a list of model names, got {compare!r}",
                     'write models = ["claude-sonnet-4-5", "gemini-2.5-flash"]')

    return Plan(
        path=path, name=name, prices_at=prices_at, users_per_month=users, sessions_per_user=spu,
        sessions_per_month=spm, turns_per_session=tps, turns_distribution=dist,
        system_tokens=ints["system_tokens"], retrieval_tokens=ints["retrieval_tokens"],
        user_tokens_per_turn=ints["user_tokens_per_turn"], output_tokens_per_turn=ints["output_tokens_per_turn"],
        history=history, models=models, alternatives=alts, scenarios=scenarios, compare=list(compare),
        lines=r.pos.lines,
    )


def load_plan(path: Path) -> Plan:
    if not path.exists():
        raise UsageError(f"{path}: no such plan file. Fix: check the path (sample_logs/plans/ has examples).")
    return parse_plan(read_text(path, kind="plan"), str(path))


# -- the logs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogProfile:
    """What a store's logs say about sessions, from `plan_turn_profile` and `complexity_shares`."""

    window: str
    """The window read, for the assumptions' source."""
    conversations: int
    turns: list[tuple[int, Decimal, Decimal, Decimal]]
    """(turn, requests per conversation, mean prompt tokens, mean output tokens)."""
    hit_rate: Decimal | None
    """Token-weighted cache hit rate over cache-known rows; None when no row reports cache fields."""
    simple_share: Decimal | None
    """Share of requests the complexity rule labels simple."""


def log_profile(con: duckdb.DuckDBPyConnection, *, since: datetime | None = None,
                until: datetime | None = None, catalog: Any = None) -> LogProfile:
    """Read the per-turn curve, hit rate and complexity mix from a store connection."""
    from llmcost.document.priced_rows import price_once
    from llmcost.measures.queries import rows
    from llmcost.measures.registry import load_config
    from llmcost.pricing import load_catalog

    # the report's one pricing pass (document/priced_rows.py); the queries bucket days in UTC
    logged = price_once(con, catalog if catalog is not None else load_catalog(), "UTC", name="plan_priced").view(
        con, "plan_usage")
    f = {"since": since, "until": until, "provider": None}
    window = "logs " + (f"from {since:%Y-%m-%d}" if since else "from the start") + (
        f" to {until:%Y-%m-%d} (exclusive)" if until else " to the end")
    prof = rows(con, "plan_turn_profile", relation=logged, **f)
    if not prof:
        raise UsageError(
            f"The store has no request rows with a conversation and a turn in the {window}, so the plan's "
            "missing keys cannot come from the logs. Fix: state them in the plan, or widen --since/--until."
        )
    n = int(prof[0]["window_conversations"])
    turns = [(int(p["turn"]), Decimal(p["requests"]) / n, Decimal(p["prompt_tokens"]) / Decimal(p["requests"]),
              Decimal(p["output_tokens"]) / Decimal(p["requests"])) for p in prof]
    known = sum(int(p["cache_known_prompt_tokens"]) for p in prof)
    read = sum(int(p["cache_read_tokens"]) for p in prof)
    hit = Decimal(read) / Decimal(known) if known else None
    th = dict(load_config(None)["complexity"])
    cx = [c for c in rows(con, "complexity_shares", relation=logged, **f, **th) if c["level"] == "all"]
    total = sum(int(c["requests"]) for c in cx)
    simple = sum(int(c["requests"]) for c in cx if c["label"] == "simple")
    return LogProfile(window, n, turns, hit, Decimal(simple) / Decimal(total) if total else None)


# -- the arithmetic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Price:
    provider: str
    model: str
    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal
    source: str


class _Prices:
    """Per-token prices from the catalog, one lookup per (model, long-context band)."""

    def __init__(self, catalog: Any, at: datetime) -> None:
        self.catalog, self.at = catalog, at
        self.seen: dict[tuple[str, str], _Price] = {}
        self._memo: dict[tuple[str, str | None, int], _Price] = {}

    def check(self, plan: Plan, model: str, provider: str | None, section: str, key: str, index: int) -> None:
        """Fail with the plan's file, line and key when `model` has no price."""
        if self.catalog.resolve(model, provider, self.at) is None:
            hint = suggestion(self.catalog.did_you_mean(model))
            raise _Reader(plan.path, "\n".join(plan.lines)).fail(
                section, key, f"no price for model {model!r}" + (f" of provider {provider!r}" if provider else "")
                + f" on {self.at:%Y-%m-%d}{hint}", "use a catalog model name, or add it to the override file "
                "(--prices, docs/pricing.md)", index)

    def get(self, model: str, provider: str | None, prompt: Decimal) -> _Price:
        tokens = math.ceil(prompt)
        memo = self._memo.get((model, provider, tokens))
        if memo is not None:
            return memo
        p = self.catalog.resolve(model, provider, self.at, total_input_tokens=tokens)
        assert p is not None, "checked first"
        out = _Price(p.provider, p.model, p.input / _MILLION, p.cache_read / _MILLION, p.cache_write_5m / _MILLION,
                     p.output / _MILLION, p.source + (f", over {p.tier_above:,} input tokens" if p.tier_above else ""))
        self.seen.setdefault((p.model, out.source), out)
        self._memo[(model, provider, tokens)] = out
        return out


@dataclass(frozen=True)
class _Turn:
    turn: int
    weight: Decimal
    """Expected requests at this turn per session."""
    prompt: Decimal
    output: Decimal
    history: Decimal
    """The part of `prompt` that is history (trimming caps it)."""


def _turn_weights(plan: Plan, logs: LogProfile | None, add: Any) -> dict[int, Decimal]:
    if plan.turns_distribution is not None:
        add("traffic.turns_distribution", ", ".join(f"{k}: {v}" for k, v in sorted(plan.turns_distribution.items())),
            "plan")
        dist = plan.turns_distribution
        return {k: sum((s for t, s in dist.items() if t >= k), _ZERO) for k in range(1, max(dist) + 1)}
    if plan.turns_per_session is not None:
        m = plan.turns_per_session
        lo = int(m)
        frac = m - lo
        add("traffic.turns_per_session", f"{m}" + (f" (every session {lo} turn{'s' if lo > 1 else ''})" if not frac else
            f" (sessions of {lo} and {lo + 1} turns, {1 - frac} and {frac} of them, to keep the mean)"), "plan")
        w = {k: _ONE for k in range(1, lo + 1)}
        if frac:
            w[lo + 1] = frac
        return w
    if logs is None:
        raise _plan_key_missing(plan, "traffic.turns_per_session")
    mean = sum((w for _, w, _, _ in logs.turns), _ZERO)
    add("traffic.turns_per_session", f"{_q(mean, 2)} requests per conversation on average over "
        f"{logs.conversations:,} conversations, up to turn {logs.turns[-1][0]}", logs.window)
    return {t: w for t, w, _, _ in logs.turns}


def _plan_key_missing(plan: Plan, key: str) -> ConfigError:
    section, name = key.split(".")
    return _Reader(plan.path, "\n".join(plan.lines)).fail(
        section, name, "not stated, and no store was given to take it from the logs",
        "state it in the plan, or pass --store DIR")


def _curve(plan: Plan, logs: LogProfile | None, weights: dict[int, Decimal], add: Any) -> list[_Turn]:
    """Prompt and output per turn, before any scenario growth or trimming."""
    stated = [plan.system_tokens, plan.retrieval_tokens, plan.user_tokens_per_turn]
    if plan.output_tokens_per_turn is not None:
        add("prompt.output_tokens_per_turn", f"{plan.output_tokens_per_turn:,}", "plan")
    elif logs is None:
        raise _plan_key_missing(plan, "prompt.output_tokens_per_turn")
    out: list[_Turn] = []
    if any(v is not None for v in stated):
        system, retrieval, user = (Decimal(v or 0) for v in stated)
        for key, label in (("system_tokens", system), ("retrieval_tokens", retrieval),
                         ("user_tokens_per_turn", user)):
            add(f"prompt.{key}", f"{label:,}", "plan" if getattr(plan, key) is not None else "default (0)")
        history = plan.history is not False
        add("prompt.history", "each turn re-sends the previous turns' user and output tokens" if history
            else "no history re-sent", "plan" if plan.history is not None else "default")
        for k in sorted(weights):
            o = Decimal(plan.output_tokens_per_turn) if plan.output_tokens_per_turn is not None else _log_at(logs, k)[1]
            hist = Decimal(k - 1) * (user + o) if history else _ZERO
            out.append(_Turn(k, weights[k], system + retrieval + user + hist, o, hist))
        if plan.output_tokens_per_turn is None:
            add("prompt.output_tokens_per_turn", "mean output per turn from the logs", logs.window if logs else "")
        return out
    if logs is None:
        raise _plan_key_missing(plan, "prompt.system_tokens")
    first = _log_at(logs, 1)[0]
    last_turn = logs.turns[-1][0]
    add("prompt (per-turn curve)", ", ".join(f"turn {t}: {_q(p, 0):,}" for t, _, p, _ in logs.turns[:8])
        + (" ..." if len(logs.turns) > 8 else "") + " mean prompt tokens"
        + (f"; beyond turn {last_turn} extended by the mean growth per turn" if max(weights) > last_turn else ""),
        logs.window)
    if plan.output_tokens_per_turn is None:
        add("prompt.output_tokens_per_turn", ", ".join(f"turn {t}: {_q(o, 0):,}" for t, _, _, o in logs.turns[:8])
            + (" ..." if len(logs.turns) > 8 else "") + " mean output tokens", logs.window)
    for k in sorted(weights):
        p, o = _log_at(logs, k)
        if plan.output_tokens_per_turn is not None:
            o = Decimal(plan.output_tokens_per_turn)
        out.append(_Turn(k, weights[k], p, o, max(p - first, _ZERO)))
    return out


def _log_at(logs: LogProfile | None, k: int) -> tuple[Decimal, Decimal]:
    """Mean prompt and output at turn k from the logs; past the last logged turn, extended linearly."""
    assert logs is not None
    by = {t: (p, o) for t, _, p, o in logs.turns}
    if k in by:
        return by[k]
    known = sorted(by)
    below = [t for t in known if t < k]
    last = below[-1] if below else known[0]
    p_last, o_last = by[last]
    first_t = known[0]
    growth = (p_last - by[first_t][0]) / (last - first_t) if last > first_t else _ZERO
    return p_last + growth * (k - last), o_last


def _pct(d: Decimal, scale: int = 100, *, sign: bool = True) -> str:
    """`d` x scale without trailing zeros; a percentage (with its sign) when scale is 100."""
    v = (d * scale).normalize()
    text = f"{v:f}"
    if scale != 100:
        return text
    return ("+" if sign and v >= 0 else "") + text + "%"


def _q(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places)) if places else d.quantize(_ONE)


@dataclass
class _Choice:
    """An alternative with every value resolved (from the plan or the logs)."""

    name: str
    route: tuple[str, str | None, Decimal] | None
    cache: tuple[Decimal, bool] | None
    trim: int | None


def _resolve_alternative(plan: Plan, i: int, a: Alternative, logs: LogProfile | None, add: Any) -> _Choice:
    route = None
    if a.route_to is not None:
        share = a.route_share
        if share is None:
            if logs is None or logs.simple_share is None:
                why = "no store was given" if logs is None else "the logs have no request rows"
                raise _Reader(plan.path, "\n".join(plan.lines)).fail(
                    "alternatives", "route_share", f"alternative {a.name!r} states no route_share, and {why} to "
                    "take the simple-request share from", "add route_share = 0.7, or pass --store DIR", i)
            share = logs.simple_share
            add(f"{a.name}: route_share", f"{_q(share * 100, 1)}% (the simple requests, complexity rule)",
                logs.window)
        else:
            add(f"{a.name}: route_share", _pct(share, 100, sign=False), "plan")
        route = (a.route_to, a.route_provider, share)
        add(f"{a.name}: route_to", a.route_to, "plan")
    cache = None
    if a.cache:
        hit = a.cache_hit_rate
        if hit is None:
            if logs is None or logs.hit_rate is None:
                why = "no store was given" if logs is None else "no logged row reports cache fields"
                raise _Reader(plan.path, "\n".join(plan.lines)).fail(
                    "alternatives", "cache_hit_rate", f"alternative {a.name!r} states no cache_hit_rate, and {why}",
                    "add cache_hit_rate = 0.8, or pass --store DIR with logs that report caching", i)
            hit = logs.hit_rate
            add(f"{a.name}: cache_hit_rate", f"{_q(hit * 100, 1)}% (token-weighted)", logs.window)
        else:
            add(f"{a.name}: cache_hit_rate", _pct(hit, 100, sign=False), "plan")
        write = a.cache_write_misses is not False
        add(f"{a.name}: cache_write_misses", "missed prompt tokens pay the cache-write price" if write
            else "missed prompt tokens pay the input price (no write premium)",
            "plan" if a.cache_write_misses is not None else "default")
        cache = (hit, write)
    if a.trim_history_tokens is not None:
        add(f"{a.name}: trim_history_tokens", f"{a.trim_history_tokens:,}", "plan")
    return _Choice(a.name, route, cache, a.trim_history_tokens)


def _request_cost(price: _Price, prompt: Decimal, output: Decimal,
                  cache: tuple[Decimal, bool] | None) -> tuple[Decimal, Decimal]:
    """(input-side cost, output cost) of one request."""
    if cache is None:
        return prompt * price.input, output * price.output
    hit, write_misses = cache
    miss_price = price.cache_write if write_misses else price.input
    return hit * prompt * price.cache_read + (1 - hit) * prompt * miss_price, output * price.output


def _session_cost(curve: list[_Turn], mix: list[ModelShare], prices: _Prices, scen: Scenario,
                  choice: _Choice | None) -> tuple[Decimal, Decimal]:
    """(input-side, output) cost of one session under a scenario and an optional alternative."""
    cache = choice.cache if choice is not None and scen.caching else None
    trim = choice.trim if choice is not None else None
    route = choice.route if choice is not None else None
    cin = cout = _ZERO
    for t in curve:
        hist = t.history if trim is None else min(t.history, Decimal(trim))
        prompt = (t.prompt - t.history + hist) * (1 + scen.context_growth)
        for m in mix:
            price = prices.get(m.model, m.provider, prompt)
            i, o = _request_cost(price, prompt, t.output, cache)
            keep = _ONE - (route[2] if route else _ZERO)
            cin += t.weight * m.share * keep * i
            cout += t.weight * m.share * keep * o
        if route:
            price = prices.get(route[0], route[1], prompt)
            i, o = _request_cost(price, prompt, t.output, cache)
            cin += t.weight * route[2] * i
            cout += t.weight * route[2] * o
    return cin, cout


def evaluate(plan: Plan, catalog: Any, logs: LogProfile | None = None, *, today: date | None = None) -> dict[str, Any]:
    """The plan document: assumptions with sources, the per-turn curve, and one row per scenario and variant."""
    assumptions: list[Assumption] = []

    def add(key: str, value: str, source: str) -> None:
        assumptions.append(Assumption(key, value, source))

    at_day = plan.prices_at or today or clock.today()
    add("plan.prices_at", at_day.isoformat(), "plan" if plan.prices_at else "default (today)")
    at = datetime.combine(at_day, time(), tzinfo=UTC)
    if plan.users_per_month is not None:
        assert plan.sessions_per_user is not None
        months = [Decimal(u) * plan.sessions_per_user for u in plan.users_per_month]
        add("traffic.users_per_month", ", ".join(f"{u:,}" for u in plan.users_per_month), "plan")
        add("traffic.sessions_per_user", f"{plan.sessions_per_user}", "plan")
    else:
        assert plan.sessions_per_month is not None
        months = [plan.sessions_per_month]
        add("traffic.sessions_per_month", f"{plan.sessions_per_month:,}", "plan")
    weights = _turn_weights(plan, logs, add)
    curve = _curve(plan, logs, weights, add)
    for m in plan.models:
        add("models", f"{m.model}" + (f" ({m.provider})" if m.provider else "") + f": {_pct(m.share, 100, sign=False)}"
            " of requests",
            "plan")
    choices = [_resolve_alternative(plan, i, a, logs, add) for i, a in enumerate(plan.alternatives)]
    for s in plan.scenarios:
        add(f"scenarios.{s.name}", f"traffic x{_pct(s.traffic, 1)}, context {_pct(s.context_growth)}, caching "
            + ("as the alternative says" if s.caching else "off"),
            "plan" if s != Scenario(s.name, **SCENARIO_DEFAULTS[s.name]) else "default (docs/plan.md)")
    prices = _Prices(catalog, at)
    for i, m in enumerate(plan.models):
        prices.check(plan, m.model, m.provider, "models", "model", i)
    for i, a in enumerate(plan.alternatives):
        if a.route_to is not None:
            prices.check(plan, a.route_to, a.route_provider, "alternatives", "route_to", i)
    for name in plan.compare:
        prices.check(plan, name, None, "compare", "models", 0)
    requests_per_session = sum((t.weight for t in curve), _ZERO)
    as_planned = Scenario("plan", _ONE, _ZERO, True)
    rows: list[dict[str, Any]] = []
    variants: list[tuple[str, str, list[ModelShare], _Choice | None]] = [("plan", "plan", plan.models, None)]
    variants += [("alternative", c.name, plan.models, c) for c in choices]
    variants += [("model", f"on {name}", [ModelShare(name, None, _ONE)], None) for name in plan.compare]
    for scen in [as_planned, *plan.scenarios]:
        for kind, vname, mix, choice in variants:
            cin, cout = _session_cost(curve, mix, prices, scen, choice)
            per_session = cin + cout
            by_month: list[dict[str, Any]] = [
                {"month": i + 1, "sessions": s * scen.traffic, "requests": s * scen.traffic * requests_per_session,
                 "cost_usd": s * scen.traffic * per_session}
                for i, s in enumerate(months)
            ]
            sessions = months[0] * scen.traffic
            first = by_month[0]
            rows.append({
                "scenario": scen.name, "kind": kind, "variant": vname,
                "caching_off": bool(choice and choice.cache and not scen.caching),
                "sessions_per_month": first["sessions"], "requests_per_month": first["requests"],
                "monthly_cost_usd": first["cost_usd"],
                "monthly_input_cost_usd": sessions * cin, "monthly_output_cost_usd": sessions * cout,
                "cost_per_session_usd": per_session, "cost_per_request_usd": per_session / requests_per_session,
                "by_month": by_month,
            })
    return {
        "plan": {"file": plan.path, "name": plan.name, "prices_at": at_day},
        "scenarios": [{"name": s.name, "traffic": s.traffic, "context_growth": s.context_growth, "caching": s.caching}
                      for s in [as_planned, *plan.scenarios]],
        "assumptions": [{"key": a.key, "value": a.value, "source": a.source} for a in assumptions],
        "turns": [{"turn": t.turn, "requests_per_session": t.weight, "prompt_tokens": t.prompt,
                   "output_tokens": t.output} for t in curve],
        "requests_per_session": requests_per_session,
        "prices": [{"provider": p.provider, "model": p.model, "input_per_mtok": p.input * _MILLION,
                    "cache_read_per_mtok": p.cache_read * _MILLION, "cache_write_per_mtok": p.cache_write * _MILLION,
                    "output_per_mtok": p.output * _MILLION, "source": p.source} for p in prices.seen.values()],
        "rows": rows,
        "method": METHOD,
    }
