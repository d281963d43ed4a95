"""Driver forecast: daily requests, the model mix and tokens per request by kind, recombined
with prices path by path (forecasting-method 3.2).

Series per provider p and priced model group g = (provider, model id):

* `req|p`            daily requests of the provider (trend, weekly season, launches, spikes);
                     `tok|p` instead, daily tokens, when some of its usage states no request count
                     (usage exports); shares and the kinds' tokens "per request" are then per token;
* `share|p|g`        the group's share of the provider's requests (only with 2+ groups);
* `tpr|kind|p|g`     tokens per request of each kind: uncached input, cache read, cache write,
                     output (a kind that is always zero is held at zero, not fitted);
* `cost`             the direct daily cost, forecast alone as a cross-check;
* `billed|p`         the daily billed money of p's models without a list price (billed.py): money
                     forecast as money, added to the cost paths beside the priced groups'.

Every series goes through the core (`forecast_many`: AutoETS with fallbacks, calibration,
common random numbers per series id). Share paths are renormalised to sum to 1 per provider.
Tokens[path, day] = requests x share x tokens-per-request; money is tokens x per-token list
prices in force at as_of (Decimal prices, converted once to float per token for the path
arithmetic; final period figures are quantised back to Decimal cents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import cast

import numpy as np
import polars as pl

from llmcost.forecast import MultiForecast, forecast_many, series_rng
from llmcost.pricing import Catalog
from llmcost.pricing.catalog import GEO_FACTORS

from .billed import BilledMoney, billed_series

KINDS = ("input", "cache_read", "cache_write", "output")
INPUT_SIDE = ("input", "cache_read", "cache_write")
_TOKEN_COL = {
    "input": "input_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "output": "output_tokens",
}
_MILLION = Decimal(1_000_000)


@dataclass
class GroupPrice:
    """Per-token prices (Decimal USD per token) of one group, as used for the forecast."""

    provider: str
    model: str
    prices: dict[str, Decimal]
    """kind -> USD per token; cache_write blends 5m and 1h writes by the logged 1h share."""
    write_5m: Decimal
    write_1h: Decimal
    source: str
    name: str
    """The model name the prices were resolved under: the group's newest logged name (a dated
    snapshot, whose price override then applies), or a routing target's name. A variant of these
    prices (batch) is resolved under the same name, so it is a variant of the same prices."""
    tier_mix: dict[str, Decimal] = field(default_factory=dict)
    """kind -> the factor the group's logged service tiers, batch share and inference geos put on
    its standard price: each tier's price, through the batch API or not, in the geo the rows state
    (tier_factors), weighted by the kind's tokens at it over the last HOLD_DAYS days (1 where
    absent). `prices` stay standard: the projection's money is `effective` (the tokens cost what
    they cost where they run), the what-ifs re-price per tier, batch flag and geo (Prices.at_tier)."""

    def effective(self, kind: str) -> Decimal:
        """USD per token of `kind` at the group's logged tier mix (the projection's price)."""
        return self.prices[kind] * self.tier_mix.get(kind, Decimal(1))

    def per_token(self, kind: str, variant: str = "std") -> Decimal:
        if kind == "cache_write" and variant == "w5m":
            return self.write_5m
        if kind == "cache_write" and variant == "w1h":
            return self.write_1h
        return self.prices[kind]


@dataclass
class DriverForecast:
    """Simulated token paths per group and what produced them."""

    mf: MultiForecast
    groups: list[tuple[str, str]]
    """(provider, model id) of every priced group, in a fixed order."""
    tokens: dict[tuple[str, str], dict[str, np.ndarray]]
    """group -> kind -> (n_paths, h) simulated tokens per day."""
    requests: dict[tuple[str, str], np.ndarray]
    """group -> (n_paths, h) simulated requests per day."""
    prices: dict[tuple[str, str], GroupPrice]
    first_day: date
    """The day of column 0 of every path array."""
    last_history_day: date
    notes: list[str] = field(default_factory=list)
    billed: dict[str, np.ndarray] = field(default_factory=dict)
    """provider -> (n_paths, h) simulated billed money per day of its models without a list price
    (billed.py); not in `cost()`: no token knob re-prices it."""
    billed_money: BilledMoney | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(n_paths, h) of every path array."""
        return next(iter(self.mf.paths.values())).shape  # type: ignore[no-any-return]

    def billed_cost(self, traffic: np.ndarray | float = 1.0) -> np.ndarray:
        """Daily billed money paths (n_paths, h) of the models without a list price, scaled by
        `traffic` (the one scenario knob that applies to money billed, not priced)."""
        out = np.zeros(self.shape)
        for paths in self.billed.values():
            out = out + paths
        return out * traffic

    def cost(
        self,
        *,
        traffic: np.ndarray | float = 1.0,
        context: np.ndarray | float = 1.0,
        caching: bool = True,
        price_factor: dict[tuple[str, str], np.ndarray | float] | None = None,
    ) -> np.ndarray:
        """Daily cost paths (n_paths, h) of the priced groups under a scenario (1.0 / True
        everywhere = the projection); the billed money of unpriced models is `billed_cost`."""
        out: np.ndarray | float = np.zeros(self.shape)
        for g in self.groups:
            t = self.tokens[g]
            pr = self.prices[g]
            if caching:
                side = sum(t[k] * float(pr.effective(k)) for k in INPUT_SIDE)
            else:
                side = (t["input"] + t["cache_read"] + t["cache_write"]) * float(pr.effective("input"))
            cost_g = (np.asarray(side) * context + t["output"] * float(pr.effective("output"))) * traffic
            if price_factor and g in price_factor:
                cost_g = cost_g * price_factor[g]
            out = out + cost_g
        return np.asarray(out, dtype=float)

    def prompt(self, g: tuple[str, str]) -> np.ndarray:
        t = self.tokens[g]
        return t["input"] + t["cache_read"] + t["cache_write"]


def level_paths(paths: np.ndarray) -> np.ndarray:
    """A ratio driver's paths reduced to their level: the pointwise median path times one factor
    per path (the median over days of path / median path).

    Why: the core simulates daily noise (log scale, widened x2 without calibration history) for
    every series. Multiplying three independently noisy daily series (requests x share x tokens
    per request) and summing a month compounds that noise into a biased mean: on the sample logs
    the next-month median was 30% above the direct cost forecast. The level factor keeps each
    path's uncertainty about the ratio's level and drops only its day-to-day noise, which
    averages out over a month anyway; requests keep their full paths.
    """
    med = np.median(paths, axis=0, keepdims=True)
    safe = np.where(med > 0, med, 1.0)
    rel = np.where(med > 0, paths / safe, 1.0)
    return med * np.median(rel, axis=1, keepdims=True)


def daily_frame(con, history: str, tz: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Per group and day: requests, volume, tokens by kind and priced cost, from the history.

    `volume` is what the provider's volume driver counts: its requests, or its tokens (prompt +
    cache + output) when any of its usage states no request count (usage exports: Anthropic's
    usage and Claude Code reports, the Console usage CSV, FOCUS token rows), where a request
    count of 0 is not stated, not zero (`requests_known`; the rule of
    sql/include/report_request_sums.sql for rows written before the column)."""
    del tz  # `day` is already the local day
    cur = con.execute(
        f"""WITH h AS (
                SELECT *, coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0) AS counted,
                       coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
                           + coalesce(output_tokens, 0) AS all_tokens
                FROM {history} WHERE priced),
            basis AS (SELECT grp_provider AS basis_provider, bool_and(counted) AS counted FROM h GROUP BY grp_provider)
            SELECT grp_provider AS provider, grp_model AS model, day,
                   CAST(sum(coalesce(request_count, 1)) AS DOUBLE) AS requests,
                   CAST(CASE WHEN bool_and(basis.counted) THEN sum(coalesce(request_count, 1)) ELSE sum(all_tokens) END
                        AS DOUBLE) AS volume,
                   CAST(sum(coalesce(input_tokens, 0)) AS DOUBLE) AS input,
                   CAST(sum(coalesce(cache_read_tokens, 0)) AS DOUBLE) AS cache_read,
                   CAST(sum(coalesce(cache_write_tokens, 0)) AS DOUBLE) AS cache_write,
                   CAST(sum(coalesce(output_tokens, 0)) AS DOUBLE) AS output,
                   CAST(sum(coalesce(cache_write_1h_tokens, 0)) AS DOUBLE) AS cache_write_1h,
                   CAST(sum(cost_usd) AS DOUBLE) AS cost,
                   arg_max(model, ts) AS raw_model,
                   bool_and(basis.counted) AS counted
            FROM h JOIN basis ON h.grp_provider = basis.basis_provider
            GROUP BY grp_provider, grp_model, day ORDER BY 1, 2, 3"""
    )
    cols = [d[0] for d in cur.description]
    return pl.DataFrame(cur.fetchall(), schema=cols, orient="row")


TIER_KINDS = ("input", "cache_read", "cache_write", "w1h", "output")
"""The price kinds a service tier scales (`w1h`: the 1-hour write, which GroupPrice keeps apart)."""


def tier_factors(catalog: Catalog, name: str, provider: str, at: datetime, tier: str | None,
                 batch: bool = False, geo: str | None = None) -> dict[str, Decimal]:
    """kind -> the price of `name` at service tier `tier` (and through the batch API when `batch`,
    and where `geo` says inference ran) over its standard price, at `at` (the catalog's tier and
    batch variants or override factors and its GEO_FACTORS, as the actuals are priced:
    pricing/catalog.py, pricing/engine.py); empty when that is the standard price, the tier has
    no price of its own, or the model is unknown."""
    t = (tier or "").strip().lower()
    g = GEO_FACTORS.get((geo or "").strip().lower())
    out: dict[str, Decimal] = {}
    if t or batch:
        r = catalog.resolve(name, provider or None, at, batch=batch, service_tier=t or None)
        base = catalog.resolve(name, provider or None, at)
        if r is None or base is None:
            return {}
        pairs = {"input": (r.input, base.input), "cache_read": (r.cache_read, base.cache_read),
                 "cache_write": (r.cache_write_5m, base.cache_write_5m),
                 "w1h": (r.cache_write_1h, base.cache_write_1h), "output": (r.output, base.output)}
        out = {k: (v / b if b else Decimal(1)) for k, (v, b) in pairs.items()}
    if g is not None:  # the geo multiplier stacks on every token price
        out = {k: out.get(k, Decimal(1)) * g for k in TIER_KINDS}
    return {} if all(f == 1 for f in out.values()) else out


def tier_mix_frame(con, history: str, since: date) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Per group, logged service tier, batch flag and inference geo: its tokens by kind on the days
    after `since` (priced rows)."""
    cur = con.execute(
        f"""SELECT grp_provider AS provider, grp_model AS model, service_tier AS tier,
                   coalesce(batch, false) AS batch, lower(inference_geo) AS geo,
                   CAST(sum(coalesce(input_tokens, 0)) AS DOUBLE) AS input,
                   CAST(sum(coalesce(cache_read_tokens, 0)) AS DOUBLE) AS cache_read,
                   CAST(sum(coalesce(cache_write_tokens, 0)) AS DOUBLE) AS cache_write,
                   CAST(sum(coalesce(output_tokens, 0)) AS DOUBLE) AS output
            FROM {history} WHERE priced AND day > $since GROUP BY ALL ORDER BY ALL""",
        {"since": since},
    )
    cols = [d[0] for d in cur.description]
    return pl.DataFrame(cur.fetchall(), schema=cols, orient="row")


def _tier_mix(catalog: Catalog, name: str, provider: str, at: datetime, rows: list[dict]) -> dict[str, Decimal]:
    """kind -> the tier factor of one group, its tiers weighted by the kind's tokens at each (by
    all its tokens where the kind has none)."""
    factors = [tier_factors(catalog, name, provider, at, r["tier"], bool(r["batch"]), r["geo"]) for r in rows]
    if not any(factors):
        return {}
    every = [Decimal(int(r["input"] + r["cache_read"] + r["cache_write"] + r["output"])) for r in rows]
    mix = {}
    for k in TIER_KINDS:
        w = [Decimal(int(r["cache_write" if k == "w1h" else k])) for r in rows]
        if not sum(w):
            w = every
        total = sum(w)
        if total:
            mix[k] = sum((wi * f.get(k, Decimal(1)) for wi, f in zip(w, factors, strict=True)), Decimal(0)) / total
    return mix


def group_prices(catalog: Catalog, groups: pl.DataFrame, as_of_day: date,
                 tiers: pl.DataFrame | None = None) -> dict[tuple[str, str], GroupPrice]:
    """List prices at noon UTC of as_of for every group; the write price blends 5m and 1h writes.
    `tiers` (tier_mix_frame): the groups' recent tokens per service tier, batch flag and inference
    geo, which give each group's `tier_mix`."""
    at = datetime.combine(as_of_day, time(12), tzinfo=UTC)
    by_group: dict[tuple[str, str], list[dict]] = {}
    if tiers is not None:
        for t in tiers.iter_rows(named=True):
            by_group.setdefault((t["provider"], t["model"]), []).append(t)
    out = {}
    for row in groups.iter_rows(named=True):
        key = (row["provider"], row["model"])
        mean_prompt = int(row["prompt"] / row["requests"]) if row["requests"] else 0
        name = row.get("raw_model") or row["model"]
        r = catalog.resolve(name, row["provider"] or None, at, total_input_tokens=mean_prompt)
        if r is None:
            continue
        cw_all = int(row["cache_write"])
        w1 = Decimal(int(row["cache_write_1h"])) / Decimal(cw_all) if cw_all else Decimal(0)
        cw = r.cache_write_5m * (1 - w1) + r.cache_write_1h * w1
        out[key] = GroupPrice(
            row["provider"],
            row["model"],
            {
                "input": r.input / _MILLION,
                "cache_read": r.cache_read / _MILLION,
                "cache_write": cw / _MILLION,
                "output": r.output / _MILLION,
            },
            r.cache_write_5m / _MILLION,
            r.cache_write_1h / _MILLION,
            r.source,
            name,
            _tier_mix(catalog, name, row["provider"], at, by_group.get(key, [])),
        )
    return out


def volume_series(provider: str, counted: bool) -> str:
    """The id of a provider's volume series: `req|p` (daily requests), or `tok|p` (daily tokens)
    when its usage states no request count (`daily_frame`'s `volume`)."""
    return f"{'req' if counted else 'tok'}|{provider}"


VOLUME_SERIES = ("req|", "tok|")
"""The prefixes of the volume series (`volume_series`): one per provider."""

HOLD_DAYS = 28
"""Ratio drivers are held at their ratio of sums over this many trailing days (reference 3.2)."""


def _hold_ratios(
    part: pl.DataFrame,
    gms: list[str],
    n_paths: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """Shares and tokens per request of one provider's groups, held at the trailing window's
    ratio of sums, with their variation: each path resamples the window's days with replacement
    (the same days for every group and kind, so shares sum to 1 and kinds stay consistent).

    Returns shares (n_groups, n_paths, 1) and group -> kind -> (n_paths, 1) tokens per request.
    """
    last = part["day"].max()
    win = part.filter(pl.col("day") > last - timedelta(days=HOLD_DAYS))  # type: ignore[operator]
    days = win["day"].unique().sort()
    pos = {d: i for i, d in enumerate(days.to_list())}
    nd = len(pos)
    idx = rng.integers(0, nd, size=(n_paths, nd))

    def arr(m: str, col: str) -> np.ndarray:
        a = np.zeros(nd)
        g = win.filter(pl.col("model") == m)
        for d, v in zip(g["day"].to_list(), g[col].to_list(), strict=True):
            a[pos[d]] += v
        return a

    req = {m: arr(m, "volume")[idx].sum(axis=1) for m in gms}
    tot = sum(req.values())
    shares = np.stack([np.where(tot > 0, req[m] / np.where(tot > 0, tot, 1.0), 0.0) for m in gms])[:, :, None]
    tpr: dict[str, dict[str, np.ndarray]] = {}
    for m in gms:
        n_all = float(win.filter(pl.col("model") == m)["volume"].sum())
        tpr[m] = {}
        for k in KINDS:
            tok = arr(m, k)
            fallback = float(tok.sum()) / n_all if n_all > 0 else 0.0
            t = tok[idx].sum(axis=1)
            tpr[m][k] = np.where(req[m] > 0, t / np.where(req[m] > 0, req[m], 1.0), fallback)[:, None]
    return shares, tpr


def forecast_drivers(
    con,
    history: str,
    catalog: Catalog,
    as_of_day: date,
    h_end: date,
    *,
    n_paths: int,
    seed: int,  # type: ignore[no-untyped-def]
    tz: str = "UTC",
    ratios: str = "hold",
    billed: BilledMoney | None = None,
    ended: frozenset[str] = frozenset(),
) -> DriverForecast | None:
    """Fit and simulate every driver series; None when there is neither priced usage nor `billed`
    money (billed.billed_unpriced: the billed money of unpriced models, forecast as `billed|p`).
    The providers in `ended` (whose data stopped long before the history's last day) are not
    forecast; every other provider's volume runs to the history's last day, a day without its
    usage being a true zero (engine._known_until cuts the history where some provider's data ends).

    `ratios="hold"` (default): shares and tokens per request are held at their trailing
    28-day ratio of sums with bootstrap variation (reference 3.2: hold the last 28-day mean
    with its variation; their trend is what scenarios override). `ratios="ets"` forecasts
    them with the core as well (see `level_paths`; measured worse, docs/scenarios.md).
    """
    daily = daily_frame(con, history, tz)
    if daily.height == 0 and billed is None:
        return None
    notes: list[str] = []
    totals = (
        daily.group_by("provider", "model")
        .agg(
            pl.col("requests").sum(),
            (pl.col("input") + pl.col("cache_read") + pl.col("cache_write")).sum().alias("prompt"),
            pl.col("cache_write").sum(),
            pl.col("cache_write_1h").sum(),
            # the name the group's newest request was logged under: a price override for a dated
            # snapshot (gpt-4o-2024-08-06) applies to it, not to the family the group is named by
            pl.col("raw_model").sort_by("day").last(),
        )
        .sort("provider", "model")
    )
    history_last = cast("date | None", daily["day"].max())
    # the tiers, batch share and geos the groups ran at lately: the projection's prices (GroupPrice.tier_mix)
    tiers = None if history_last is None else tier_mix_frame(con, history, history_last - timedelta(days=HOLD_DAYS))
    prices = group_prices(catalog, totals, as_of_day, tiers)
    groups = [(p, m) for p, m in totals.select("provider", "model").iter_rows() if (p, m) in prices and p not in ended]
    frames = []
    zero_kinds: set[tuple[str, str, str]] = set()
    providers = sorted({p for p, _ in groups})
    counted = {p: bool(daily.filter(pl.col("provider") == p)["counted"].all()) for p in providers}
    for p in providers:
        if not counted[p]:
            notes.append(f"{p or '(no provider)'}: some usage comes from exports that state no request count, so "
                         "its volume is forecast in tokens per day, not requests")
    # the direct cost series (a check on the drivers) covers the providers forecast only
    cost = (daily.filter(~pl.col("provider").is_in(list(ended))).group_by("day").agg(pl.col("cost").sum())
            .sort("day"))
    daily = daily.filter(pl.struct("provider", "model").is_in([{"provider": p, "model": m} for p, m in groups])
                         ) if groups else daily.clear()
    for p in providers:
        part = daily.filter(pl.col("provider") == p)
        first, last = cast(date, part["day"].min()), cast(date, history_last)
        cal = pl.DataFrame({"day": pl.date_range(first, last, "1d", eager=True)})
        req = cal.join(part.group_by("day").agg(pl.col("volume").sum()), on="day", how="left").fill_null(0.0)
        frames.append(
            req.select(pl.lit(volume_series(p, counted[p])).alias("series_id"), pl.col("day").alias("ds"),
                       pl.col("volume").alias("y"))
        )
        if ratios != "ets":
            continue
        gms = [m for pp, m in groups if pp == p]
        for m in gms:
            gp = cal.join(part.filter(pl.col("model") == m), on="day", how="left").with_columns(
                pl.col("volume").fill_null(0.0)
            )
            if len(gms) > 1:
                share_df = gp.join(req.rename({"volume": "tot"}), on="day").with_columns(
                    pl.when(pl.col("tot") > 0).then(pl.col("volume") / pl.col("tot")).otherwise(None).alias("y")
                )
                frames.append(
                    share_df.filter(pl.col("y").is_not_null()).select(
                        pl.lit(f"share|{p}|{m}").alias("series_id"), pl.col("day").alias("ds"), pl.col("y")
                    )
                )
            nz = gp.filter(pl.col("volume") > 0)
            for k in KINDS:
                if float(nz[k].sum()) <= 0:
                    zero_kinds.add((p, m, k))
                    continue
                frames.append(
                    nz.select(
                        pl.lit(f"tpr|{k}|{p}|{m}").alias("series_id"),
                        pl.col("day").alias("ds"),
                        (pl.col(k) / pl.col("volume")).alias("y"),
                    )
                )
    if cost.height:
        # a day without priced usage cost $0 (a true zero, not a missing day)
        cost_cal = pl.DataFrame({"day": pl.date_range(cast(date, cost["day"].min()), cast(date, cost["day"].max()),
                                                      "1d", eager=True)})
        cost = cost_cal.join(cost, on="day", how="left")
        frames.append(
            cost.select(
                pl.lit("cost").alias("series_id"), pl.col("day").alias("ds"), pl.col("cost").fill_null(0.0).alias("y")
            )
        )
    if billed is not None:
        frames.append(billed.frame())
    df = pl.concat(frames)
    last_day = cast(date, df["ds"].max())
    h = (h_end - last_day).days
    mf = forecast_many(df, h, n_paths=n_paths, seed=seed)
    first_day = mf.ds[0]
    if last_day < as_of_day:
        notes.append(f"no usage after {last_day}: the days up to as_of {as_of_day} are forecast, not actuals")
    P = {sid: (level_paths(x) if sid.startswith(("share|", "tpr|")) else x) for sid, x in mf.paths.items()}
    tokens: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    requests: dict[tuple[str, str], np.ndarray] = {}
    for p in providers:
        gms = [m for pp, m in groups if pp == p]
        r = P[volume_series(p, counted[p])]
        # requests of a provider counted in tokens are not stated: none are simulated (a per-request
        # fee then adds nothing, as it added nothing over the logged window's uncounted rows)
        req_factor = 1.0 if counted[p] else 0.0
        if ratios != "ets":
            sh, tpr = _hold_ratios(
                daily.filter(pl.col("provider") == p), gms, r.shape[0], series_rng(seed, f"ratios|{p}")
            )
            for i, m in enumerate(gms):
                rg = r * sh[i]
                requests[(p, m)] = rg * req_factor
                tokens[(p, m)] = {k: rg * tpr[m][k] for k in KINDS}
            continue
        if len(gms) > 1:
            sh = np.stack([P.get(f"share|{p}|{m}", np.zeros_like(r)) for m in gms])
            tot = sh.sum(axis=0)
            sh = np.where(tot > 0, sh / np.where(tot > 0, tot, 1.0), 1.0 / len(gms))
        else:
            sh = np.ones((1, *r.shape))
        for i, m in enumerate(gms):
            rg = r * sh[i]
            requests[(p, m)] = rg * req_factor
            tokens[(p, m)] = {
                k: np.zeros_like(r) if (p, m, k) in zero_kinds else rg * P[f"tpr|{k}|{p}|{m}"] for k in KINDS
            }
    billed_paths = {} if billed is None else {p: mf.paths[billed_series(p)] for p in sorted(billed.days)}
    return DriverForecast(mf, groups, tokens, requests, prices, first_day, last_day, notes,  # type: ignore[arg-type]
                          billed_paths, billed)


__all__ = [
    "INPUT_SIDE",
    "KINDS",
    "VOLUME_SERIES",
    "DriverForecast",
    "GroupPrice",
    "daily_frame",
    "forecast_drivers",
    "group_prices",
    "volume_series",
]
