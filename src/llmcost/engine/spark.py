"""The measures on Spark, over the same store (issue 21; docs/scale.md).

What runs here: the store's live usage rows read from its Parquet parts (the manifest's list, as
`Store.connect` reads them), the money basis of each row (sql/reconcile_money_usage.sql), the
pricing join (`pricing.engine.cost_sql` against the per-token price table the catalog produces for
the keys present: DECIMAL(38,12), so money stays exact), and every query of sql/ (`spark_queries`).
Every query is the one DuckDB definition in `sql/`, transpiled with sqlglot (`to_spark`), except
where a file in `sql/spark/` says why it is written by hand. What does not run here yet is listed
in docs/scale.md ("What runs where").

The master: `--engine spark` with $SPARK_REMOTE (Spark Connect, `sc://host:15002`) or
$LLMCOST_SPARK_MASTER (`local[4]`, `spark://host:7077`, `yarn`), else `local[2]`. A store on
object storage is read the same way through Hadoop's file systems (`s3a://bucket/store`, with
hadoop-aws on the classpath); only local paths are tested.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmcost.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from llmcost.pricing import Catalog, PricingSummary
    from llmcost.storage.store import Manifest, Store

MASTER_ENV = "LLMCOST_SPARK_MASTER"
REMOTE_ENV = "SPARK_REMOTE"
DEFAULT_MASTER = "local[2]"
MEMORY_ENV = "LLMCOST_SPARK_DRIVER_MEMORY"
DEFAULT_MEMORY = "4g"

SPARK_CONFIG: dict[str, str] = {
    # the queries' days are UTC days unless they name a time zone (as DuckDB's TIMESTAMPTZ columns)
    "spark.sql.session.timeZone": "UTC",
    # DECIMAL(38,12) x BIGINT keeps 12 places: with precision loss allowed Spark cuts the scale to
    # 6 (Spark's DecimalPrecision rules), which would round every cost to a micro-dollar
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # a report's shuffles are small (per-day, per-model rows): the default 200 partitions cost more
    # than they spread on a few cores
    "spark.sql.shuffle.partitions": "8",
}

def spark_queries() -> tuple[str, ...]:
    """Every query of sql/ (the measures of llmcost.measures.registry.MEASURES and the report's own:
    reconciliation, month compare, unpriced list, ...): each runs on Spark, the file transpiled
    by `to_spark` or its hand-written sql/spark/ variant (tests/engine: each data case gives
    DuckDB's rows)."""
    from llmcost.measures.queries import load_queries

    return tuple(sorted(load_queries()))


def _import_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError:
        raise UsageError(
            "--engine spark needs pyspark, which is not installed. "
            "Fix: pip install 'llmcost-forecast[spark]' (pyspark and sqlglot; Java 17 on the PATH), "
            "or use --engine duckdb."
        ) from None
    return pyspark.sql


JAVA_MIN = 17
"""The oldest Java pyspark 4 runs on (pyspark's docs: Java 17 or 21)."""


def check_java() -> None:
    """Raise a UsageError naming the fix when no Java, or one older than JAVA_MIN, is where pyspark
    looks for it: $JAVA_HOME/bin/java when JAVA_HOME is set (bin/spark-class), else `java` on the
    PATH. Without this the JVM's failure to start surfaces as pyspark's traceback."""
    import re
    import shutil
    import subprocess

    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    where = f"JAVA_HOME={home}" if home else "the PATH"
    fix = (f"Fix: install Java {JAVA_MIN} or newer and point JAVA_HOME at it (or put its java on the PATH), "
           "or use --engine duckdb.")
    if not java or not Path(java).is_file():
        raise UsageError(f"--engine spark needs Java {JAVA_MIN} or newer, and there is no java in {where}. {fix}")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UsageError(f"--engine spark could not run {java} -version ({e}). {fix}") from None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = None if m is None else int(m.group(2) if m.group(1) == "1" and m.group(2) else m.group(1))
    if major is None or major < JAVA_MIN:
        found = "an unknown version" if major is None else f"Java {major}"
        raise UsageError(f"--engine spark needs Java {JAVA_MIN} or newer; {java} ({where}) is {found}. {fix}")


def master_url(master: str | None = None) -> str:
    """The master in force: `master`, else $LLMCOST_SPARK_MASTER, else `local[2]`."""
    return master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def session(master: str | None = None, app: str = "llmcost-forecast") -> SparkSession:
    """A SparkSession configured as the measures need (SPARK_CONFIG). With $SPARK_REMOTE set (and no
    `master`) it is a Spark Connect session to that server; otherwise a classic one on `master_url()`."""
    sql = _import_pyspark()
    import warnings

    # pyspark checks the pandas version when it converts data, and warns about pandas 3 on every
    # run; nothing here goes through pandas (Arrow tables are handed over as they are)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    builder = sql.SparkSession.builder.appName(app)
    remote = os.environ.get(REMOTE_ENV)
    if remote and master is None:
        spark = builder.remote(remote).getOrCreate()
    else:
        from pyspark import SparkContext

        if SparkContext._active_spark_context is None:  # a JVM is to be started
            check_java()
        builder = builder.master(master_url(master)).config(
            "spark.driver.memory", os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY
        )
        for k, v in SPARK_CONFIG.items():
            builder = builder.config(k, v)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel(os.environ.get("LLMCOST_SPARK_LOG_LEVEL") or "ERROR")
    for k, v in SPARK_CONFIG.items():  # a session that was already running gets them too
        if not k.startswith("spark.ui."):
            spark.conf.set(k, v)
    return spark


# ---- the SQL: one definition, transpiled ---------------------------------------------------------
def _literal(value: Any) -> Any:
    import sqlglot.expressions as exp

    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        utc = value if value.tzinfo is None else value.astimezone(UTC)
        return exp.cast(exp.Literal.string(utc.replace(tzinfo=None).isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    return exp.Literal.string(str(value))


def _naive(node: Any) -> bool:
    """Whether a DuckDB expression is a TIMESTAMP without time zone (a cast to TIMESTAMP, or one
    plus or minus an interval): the wall clock a timezone(tz, ...) call reads in tz."""
    import sqlglot.expressions as exp

    while isinstance(node, exp.Add | exp.Sub | exp.Paren):
        node = node.this
    return isinstance(node, exp.Cast) and node.to.is_type("timestamp", "timestampntz")


def _is_list(node: Any, lists: set[str]) -> bool:
    import sqlglot.expressions as exp

    return (isinstance(node, exp.Column) and node.name in lists) or (
        isinstance(node, exp.Cast | exp.TryCast) and node.to.is_type("array"))


def to_spark(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """DuckDB SQL (a file of sql/, or the pricing join) as Spark SQL: sqlglot's transpiler plus the
    rewrites it lacks, with `$name` parameters written in as literals (None is NULL, as
    `queries.bind` binds a parameter left out). Timestamps are UTC (the session's time zone)."""
    import sqlglot
    import sqlglot.expressions as exp

    values = dict(params or {})

    def bind(node: exp.Expression) -> exp.Expression:
        return _literal(values.get(str(node.this))) if isinstance(node, exp.Placeholder) else node

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Select) and isinstance(node.args.get("limit"), exp.Limit) \
                and isinstance(node.args["limit"].expression, exp.Null):
            node = node.copy()  # LIMIT NULL (a parameter left out) is no limit on DuckDB
            node.set("limit", None)
            return node
        if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
            # DuckDB's [NOT] MATERIALIZED hints (a DuckDB speed choice): Spark plans CTEs itself
            node = node.copy()
            node.set("materialized", None)
            return node
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            args = node.expressions
            if name == "epoch_us":  # microseconds since the epoch
                return exp.Anonymous(this="unix_micros", expressions=args)
            if name == "timezone" and len(args) == 2:
                if _naive(args[1]):
                    # timezone(tz, TIMESTAMP) reads a wall clock in tz: the instant, in UTC
                    return exp.Anonymous(this="to_utc_timestamp", expressions=[args[1], args[0]])
                # DuckDB timezone(tz, TIMESTAMPTZ) is the wall clock in tz; the columns are
                # TIMESTAMPTZ, and Spark's session clock is UTC, so from_utc_timestamp is the same
                return exp.Anonymous(this="from_utc_timestamp", expressions=[args[1], args[0]])
            if name == "make_timestamptz" and len(args) == 1:  # microseconds since the epoch
                return exp.Anonymous(this="timestamp_micros", expressions=args)
            if name == "list_position" and len(args) == 2 and isinstance(args[0], exp.Null):
                return exp.Null()  # a list parameter left out: no position (Spark types no NULL array)
            if name == "list_position" and len(args) == 2:
                # 1-based on both; DuckDB gives NULL where Spark's array_position gives 0
                return exp.Nullif(this=exp.Anonymous(this="array_position", expressions=args),
                                  expression=exp.Literal.number(0))
            if name == "hash":
                # DuckDB's hash() is 64 bits; Spark's hash() is a 32-bit Murmur3: among 77,000
                # keys a collision is more likely than not (sql/prefix_block_reuse.sql hashes every
                # prompt prefix: on the Mooncake trace Spark found 3,584 hit tokens too many). xxhash64
                # is Spark's 64-bit hash: different values, but keys equal on both engines exactly
                # when they are equal (collisions are then as rare as on DuckDB).
                return exp.Anonymous(this="xxhash64", expressions=args)
            if name == "list_slice" and len(args) == 3:
                # DuckDB list_slice(l, begin, end), both 1-based and inclusive; Spark slice(l, start, length)
                length = exp.Add(this=exp.Sub(this=exp.Paren(this=args[2]), expression=exp.Paren(this=args[1])),
                                 expression=exp.Literal.number(1))
                return exp.Anonymous(this="slice", expressions=[args[0], args[1], length])
        if isinstance(node, exp.TimeToUnix):
            # DuckDB epoch(ts) is seconds as a DOUBLE, fractions kept; Spark's unix_timestamp cuts
            # them (a cache lifetime compares request gaps of fractions of a second)
            micros = exp.cast(exp.Anonymous(this="unix_micros", expressions=[node.this]), "DOUBLE")
            return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number(1000000)))
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1 \
                and not (isinstance(node.expressions[0], exp.Literal) and node.expressions[0].is_string):
            # DuckDB l[i] is 1-based and NULL out of range; Spark's get(l, i) is 0-based and NULL
            # out of range (sqlglot's parser already shifted a literal index, not a column's)
            i = node.expressions[0]
            if not isinstance(i, exp.Literal):
                i = exp.Sub(this=exp.Paren(this=i), expression=exp.Literal.number(1))
            return exp.Anonymous(this="get", expressions=[node.this, i])
        if isinstance(node, exp.Window) and isinstance(node.this, exp.Count) \
                and isinstance(node.this.this, exp.Distinct):
            # count(DISTINCT x) OVER (...): Spark has no distinct window aggregate; the size of the
            # set of x over the same window is the same count (both leave NULL out)
            win = node.copy()
            win.set("this", exp.Anonymous(this="collect_set", expressions=node.this.this.expressions))
            return exp.Anonymous(this="size", expressions=[win])
        if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
            # DuckDB's range()/generate_series() table functions, as a one-column subquery over
            # explode(sequence(...)): the column keeps DuckDB's name (the alias's, else the function's)
            alias = node.args.get("alias")
            default = "range" if node.this.args.get("is_end_exclusive") else "generate_series"
            col = alias.columns[0].name if alias is not None and alias.columns else default
            name = alias.name if alias is not None and alias.name else default
            gen = node.this
            start, end, step = gen.args["start"], gen.args["end"], gen.args.get("step")
            if gen.args.get("is_end_exclusive"):  # range(a, b[, step]) stops before b
                end = exp.Sub(this=exp.Paren(this=end), expression=step.copy() if step else exp.Literal.number(1))
            seq = exp.Anonymous(this="sequence", expressions=[start, end] + ([step] if step else []))
            return exp.select(exp.alias_(exp.Explode(this=seq), col)).subquery(name)
        if isinstance(node, exp.Length) and _is_list(node.this, lists):
            return exp.Anonymous(this="size", expressions=[node.this])  # DuckDB len(list)
        if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
            # DuckDB first(x ORDER BY k1 [DESC], ...): Spark's min_by(x, struct(...)), a DESC key
            # negated (the keys of sql/ ordered DESC inside first() are counts)
            keys = [exp.Neg(this=exp.Paren(this=o.this)) if o.args.get("desc") else o.this
                    for o in node.this.expressions]
            return exp.Anonymous(this="min_by", expressions=[
                node.this.this, exp.Anonymous(this="struct", expressions=keys)])
        if isinstance(node, exp.Grouping) and len(node.expressions) > 1:
            # DuckDB grouping(a, b, ...) is a bit mask, first column highest; Spark's grouping()
            # takes one column (and grouping_id() must name every grouping column)
            n = len(node.expressions)
            bits = [
                exp.Anonymous(this="shiftleft",
                              expressions=[exp.Grouping(expressions=[c]), exp.Literal.number(n - 1 - i)])
                for i, c in enumerate(node.expressions)
            ]
            out: exp.Expression = bits[0]
            for b in bits[1:]:
                out = exp.Add(this=out, expression=b)
            return exp.Paren(this=out)
        if (isinstance(node, exp.Add) and isinstance(node.this, exp.Cast) and node.this.to.is_type("date")
                and not isinstance(node.expression, exp.Interval)
                and not (isinstance(node.expression, exp.Cast) and node.expression.to.is_type("int"))):
            # DATE + n days: Spark's date_add takes an INT, and its integer division gives BIGINT
            return exp.Add(this=node.this, expression=exp.cast(node.expression, "INT"))
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Explode):
            # a generator cannot sit inside a cast in Spark; generate_series over dates is dates
            return node.this
        return node

    # twice: sqlglot does not descend into a node a rewrite returns, so a rewrite inside another
    # (epoch_us inside DATE + n) is made on the second pass; each rewrite leaves its result alone
    tree = sqlglot.parse_one(sql, read="duckdb")
    # names given to list values (`CAST(... AS T[]) AS name`): len() of one is the list's size
    lists = {a.alias for a in tree.find_all(exp.Alias)
             if isinstance(a.this, exp.Cast | exp.TryCast) and a.this.to.is_type("array")}
    tree = tree.transform(bind).transform(fix).transform(fix)
    return tree.sql(dialect="spark")


def spark_sql_file(name: str) -> Path | None:
    """The hand-written Spark variant of query `name` (sql/spark/<name>.sql), if there is one."""
    from llmcost.measures.queries import sql_dir

    p = sql_dir() / "spark" / f"{name}.sql"
    return p if p.is_file() else None


def query_sql(name: str, relation: str | None = None, **params: Any) -> str:
    """Spark SQL of query `name` reading its priced rows from `relation` (default: `priced_usage`,
    as queries.sql_over): sql/spark/<name>.sql when present (Spark dialect, `$name` parameters),
    else sql/<name>.sql transpiled."""
    from dataclasses import replace

    from llmcost.errors import ConfigError
    from llmcost.measures.queries import INPUT, get_query, sql_over

    query = get_query(name)
    hand = spark_sql_file(name)
    if hand is not None:  # Spark dialect: not parsed as DuckDB SQL (parse_query would)
        text = hand.read_text(encoding="utf-8")
        if not text.startswith(f"-- name: {name}\n"):
            raise ConfigError(f"{hand}:1: a Spark variant starts with `-- name: {name}`. Fix: make that line 1.")
        return bind_spark(sql_over(replace(query, sql=text), relation or INPUT), params)
    return to_spark(sql_over(query, relation or INPUT), params)


def bind_spark(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """Spark SQL with its `$name` parameters written in as literals (as `to_spark` binds them),
    found by the pattern that finds a query's parameters (queries.PARAM)."""
    from llmcost.measures.queries import PARAM

    values = dict(params or {})
    # `$name` outside the JSON paths ('$.tags' has no name after the `$`)
    return PARAM.sub(lambda m: _literal(values.get(m.group(1))).sql(dialect="spark"), sql)


def rows(spark: SparkSession, sql: str) -> list[dict[str, Any]]:
    """The rows of Spark `sql` as dicts: Decimal money, UTC-aware timestamps (through Arrow, so
    the driver's own time zone plays no part), dates."""
    return _pylist(spark.sql(sql))


def _pylist(df: DataFrame) -> list[dict[str, Any]]:
    return list(df.toArrow().to_pylist())


def measure(spark: SparkSession, name: str, **params: Any) -> list[dict[str, Any]]:
    """Query `name` over the Spark view `priced_usage`."""
    return rows(spark, query_sql(name, **params))


# ---- the store -----------------------------------------------------------------------------------
def _path(root: str, rel: str) -> str:
    return f"{root.rstrip('/')}/{rel}"


def is_uri(store: Path | str) -> bool:
    """Whether `store` names a store on a Hadoop file system, which only Spark reads."""
    from llmcost.storage.store import is_store_url

    return not isinstance(store, Path) and is_store_url(store)


@dataclass(frozen=True)
class RemoteStore:
    """A store at a URL, read through Spark's Hadoop file systems: the report's `store` under
    `--engine spark --store s3a://...`. There is no lock on object storage: the manifest is read
    once and names immutable parts (a writer adds new parts and replaces the manifest last);
    quarantined rows stay where they are (the document's ingest section leaves out their first row)."""

    root: str


def _read_bytes(spark: SparkSession, uri: str) -> bytes | None:
    """The bytes of one file read through Spark's Hadoop file systems; None when it is not there."""
    from pyspark.errors import AnalysisException

    try:
        got = spark.read.format("binaryFile").load(uri).select("content").collect()
    except AnalysisException as e:
        if "PATH_NOT_FOUND" in str(e) or "does not exist" in str(e).lower():
            return None
        raise
    return bytes(got[0][0]) if got else None


@contextmanager
def _uri_session(uri: str, master: str | None) -> Iterator[tuple[SparkSession, RemoteStore, Manifest]]:
    """A Spark session over the store at URL `uri`: its manifest read through Hadoop's file system
    (checked as Store.read_manifest checks a local one), its parts registered."""
    from pyspark.errors import AnalysisException

    from llmcost.storage.store import MANIFEST, StoreError, manifest_data, parse_manifest

    root = uri.rstrip("/")
    where = f"{root}/{MANIFEST}"
    spark = session(master)
    raw = _read_bytes(spark, where)
    if raw is None:
        raise StoreError(f"No store at {root}: {where} is not there. Fix: ingest into a local store and copy it "
                         "there (the manifest last), or check the URL.")
    manifest = parse_manifest(manifest_data(raw, where, root), where)
    try:
        register_store(spark, root, manifest)
    except AnalysisException as e:
        first = str(e).strip().splitlines()[0][:300]
        raise StoreError(f"The store {root} is damaged or half copied: a part its manifest lists cannot be "
                         f"read ({first}). Fix: copy the store again, its parts before its manifest.") from None
    yield spark, RemoteStore(root), manifest


def register_store(spark: SparkSession, store_root: Path | str, manifest: Any) -> None:
    """Views `usage` (live rows) and `costs` over the parts `manifest` lists under `store_root`
    (a local path, or any Hadoop file system URL: `s3a://bucket/store`). Parts written before a
    column existed read with it NULL, as Store.connect does.

    The `usage` view numbers the turns a source left out (`usage_turn_fill`), as Store.connect's
    view does on DuckDB."""
    from llmcost.storage.schema import arrow_schema
    from llmcost.storage.store import TABLES, overlaps_select

    root = str(store_root)
    for table in TABLES:
        parts = [_path(root, p) for p in manifest.parts(table)]
        schema = arrow_schema(table)
        if parts:
            # recursiveFileLookup: the month=YYYY-MM folders are not a partition column here
            df = spark.read.option("mergeSchema", "true").option("recursiveFileLookup", "true").parquet(*parts)
            for f in schema:
                if f.name not in df.columns:
                    df = df.selectExpr("*", f"CAST(NULL AS {_spark_type(f.type)}) AS {f.name}")
        else:
            df = spark.createDataFrame([], _struct(schema))
        df.createOrReplaceTempView(f"{table}_all")
        live = f"SELECT * FROM {table}_all WHERE NOT coalesce(_dup, false)"
        # the rows another export of the same usage or money counts, as the DuckDB store's views
        # `usage_overlaps` / `costs_overlaps` (storage.store.overlaps_select: the same SQL, transpiled)
        spark.sql(to_spark(overlaps_select(table, live))).createOrReplaceTempView(f"{table}_overlaps")
        if table == "usage":  # the rows that count, as the DuckDB store's view (store.live_rows)
            live = usage_turn_fill(f"({USAGE_COUNTED.format(live=live)})", df.columns)
        else:  # the cost lines that count, as the DuckDB store's view (storage.store.COSTS_VIEW)
            live = COSTS_COUNTED.format(live=live)
        spark.sql(live).createOrReplaceTempView(table)


_ORG_TOTAL = "coalesce(CAST(get_json_object({t}.extra, '$.org_total') AS BOOLEAN), false)"
COSTS_COUNTED = (
    "WITH live AS ({live}), shadowed AS (SELECT DISTINCT o.event_id FROM live o JOIN live g "
    "ON g.provider <=> o.provider AND g.ts < o.bucket_end AND o.ts < g.bucket_end AND NOT "
    + _ORG_TOTAL.format(t="g") + " WHERE " + _ORG_TOTAL.format(t="o") + " "
    "UNION SELECT event_id FROM costs_overlaps) "
    "SELECT l.* FROM live l LEFT ANTI JOIN shadowed s ON s.event_id = l.event_id"
)
"""Spark SQL for the live cost lines without an organisation-wide total shadowed by grouped lines of
the same provider and time, nor a line another export of the same money counts (`costs_overlaps`):
the DuckDB store's `costs` view, storage.store.COSTS_VIEW."""

_BUCKETS = ("(SELECT provider, ts, bucket_end, event_id, " + _ORG_TOTAL.format(t="b") + " AS _org, "
            "coalesce(get_json_object(b.extra, '$.kind'), '') AS _kind, "
            "lower(coalesce(get_json_object(b.extra, '$.customer_type'), '')) AS _customer "
            "FROM ({live}) b WHERE b.grain = 'bucket')")
USAGE_COUNTED = (
    "SELECT l.* FROM ({live}) l LEFT ANTI JOIN (SELECT o.event_id FROM " + _BUCKETS + " o JOIN "
    + _BUCKETS + " g ON g.provider <=> o.provider AND g._kind = o._kind AND NOT g._org "
    "AND g.ts < o.bucket_end AND o.ts < g.bucket_end WHERE o._org "
    "UNION SELECT o.event_id FROM " + _BUCKETS + " o JOIN " + _BUCKETS + " g "
    "ON g.provider <=> o.provider AND g._kind = '' AND g.ts < o.bucket_end AND o.ts < g.bucket_end "
    "WHERE o._kind = 'claude_code' AND o._customer = 'api' "
    "UNION SELECT event_id FROM usage_overlaps) s ON s.event_id = l.event_id"
)
"""Spark SQL for the live usage rows without those another source already counts: an
organisation-wide total covered by grouped rows of the same provider, kind and time, an API
customer's Claude Code report row covered by a Messages usage report, and a bucket inside a wider
bucket of the same export (`usage_overlaps`): the DuckDB store's `usage` view,
storage.store.USAGE_SHADOWED_VIEW."""


def usage_turn_fill(live: str, columns: list[str]) -> str:
    """The live usage rows (`live`, a relation) with `turn` filled where the source gave none, by
    the rule of store.usage_view_fill: the 1-based position within the conversation by ts,
    source_file, source_line, event_id (rows with a turn count too); a row with a turn keeps it.
    One window over the live rows; DuckDB's view numbers only the conversations that need it (a
    memory choice there), which gives the same numbers."""
    fill = ("CASE WHEN turn IS NULL AND conversation_id IS NOT NULL THEN CAST(row_number() OVER ("
            "PARTITION BY conversation_id ORDER BY ts, source_file, source_line, event_id) AS INT) "
            "ELSE turn END AS turn")
    cols = ", ".join(fill if c == "turn" else f"`{c}`" for c in columns)
    return f"SELECT {cols} FROM {live} AS live_usage"


_SPARK_TYPES = (("is_string", "STRING"), ("is_large_string", "STRING"), ("is_boolean", "BOOLEAN"),
                ("is_int16", "SMALLINT"), ("is_int32", "INT"), ("is_int64", "BIGINT"),
                ("is_timestamp", "TIMESTAMP"), ("is_date", "DATE"), ("is_floating", "DOUBLE"))
"""pyarrow type test -> Spark SQL type, for the store's columns (decimals keep their precision)."""


def _spark_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    for test, name in _SPARK_TYPES:
        if getattr(pa.types, test)(t):
            return name
    raise TypeError(f"no Spark type for {t}")


def _struct(schema: Any) -> Any:
    from pyspark.sql.types import _parse_datatype_string

    return _parse_datatype_string(", ".join(f"{f.name}: {_spark_type(f.type)}" for f in schema))


# ---- pricing: a join against the catalog's price table -------------------------------------------
@dataclass(frozen=True)
class SparkPriced:
    """The priced rows on Spark: the cached view `table`, with the interface of the DuckDB
    handle (document.priced_rows.PricedRows: `view`, `summary`, `keep`, `value`), so the report's
    sections read it through the same code. `con` arguments are the report's connection; this
    handle runs its statements on `spark` (DuckDB SQL, transpiled by `to_spark`)."""

    table: str
    tz: str
    store_summary: PricingSummary
    """What was and was not priced over the whole store (the pricing pass's own summary)."""
    catalog: Catalog
    priced_columns: tuple[str, ...]
    """The columns pricing added (model_key, priced, price_source, the cost columns), in order."""
    spark: SparkSession

    def cursor(self, relation: str, *others: str) -> SparkCursor:
        """A connection-like cursor over the session for the sections' queries, which read the
        priced rows from `relation` (the report's window view) or one of `others` (its rows that
        count for volume)."""
        return SparkCursor(self.spark, relation, *others)

    def view(self, con: Any, name: str, where: str = "true") -> str:
        """Spark view `name`: the rows matching `where` (DuckDB SQL over the table's columns, as
        PricedRows.view takes it) without the counting columns. Returns `name`."""
        from llmcost.document.priced_rows import COUNTING_COLUMNS

        del con
        self.spark.sql(to_spark(f"SELECT * FROM {self.table} WHERE {where}")).drop(*COUNTING_COLUMNS) \
            .createOrReplaceTempView(name)
        return name

    def summary(self, con: Any, relation: str) -> PricingSummary:
        """What is and is not priced among the rows of Spark view `relation` (pricing.engine.summarize:
        its key scan runs on Spark)."""
        from typing import cast

        from llmcost.pricing.engine import summarize

        del con
        cur = self.cursor(relation)
        try:
            return summarize(cast(Any, cur), self.catalog, relation)
        finally:
            cur.close()

    def keep(self, con: Any, name: str, select: str) -> SparkCursor:
        """Spark view `name`: the rows of `select` (DuckDB SQL over this table). Returns a cursor
        on Spark for the queries that read it (the forecast's history, scenarios.history.History.con):
        they run there and only their aggregates reach the driver; no row of `select` does."""
        del con
        self.spark.sql(to_spark(select)).createOrReplaceTempView(name)
        return self.cursor(name)

    def value(self, con: Any, sql: str) -> Any:
        """The first value of DuckDB `sql` (an aggregate over this table), run on Spark."""
        del con
        return self.spark.sql(to_spark(sql)).collect()[0][0]


def price_once(spark: SparkSession, catalog: Catalog, tz: str, name: str = "doc_priced") -> SparkPriced:
    """Every live `usage` row priced once into the cached view `name`, as priced_rows.price_once
    does on DuckDB: the money basis (sql/reconcile_money_usage.sql), the calendar day in `tz`, then
    the catalog's per-token prices for the (provider, model, UTC day, batch, tier) keys present
    (pricing.engine.price_table, DECIMAL(38,12)) joined by pricing.engine.cost_sql. Unknown
    models stay unpriced (NULL cost, never $0)."""
    from llmcost.measures.queries import get_query
    from llmcost.pricing.engine import (
        PRICE_TABLE_SCHEMA,
        TOOL_CALL_COLUMNS,
        cost_sql,
        key_scan_sql,
        price_table,
        resolve_keys,
    )

    tz_sql = "'" + tz.replace("'", "''") + "'"
    money = get_query("reconcile_money_usage").sql
    source = f"{name}_src"
    from pyspark import StorageLevel

    # the money basis joins usage with itself: computed once for the key scan and the pricing join
    src_df = spark.sql(to_spark(f"SELECT *, CAST(timezone({tz_sql}, ts) AS DATE) AS local_day FROM ({money})"))
    src_df.persist(StorageLevel.MEMORY_AND_DISK).createOrReplaceTempView(source)
    have = spark.table(source).columns
    found = spark.sql(to_spark(key_scan_sql(source, have))).collect()
    keys, tod, summary = resolve_keys(catalog, [tuple(r) for r in found])
    table = price_table(catalog, keys)
    prices = f"{name}__prices"
    # from the Arrow table as it is (pyspark 4 takes a pyarrow Table): no Python row per price
    spark.createDataFrame(table, _struct(PRICE_TABLE_SCHEMA)).createOrReplaceTempView(prices)
    tools = [t for t, c in TOOL_CALL_COLUMNS.items() if c in have]
    priced = spark.sql(to_spark(cost_sql(source, prices, tod, server_tools=tools, columns=have)))
    # materialised, its lineage cut: each measure then plans over the stored rows, not over the
    # pricing join and the money basis again (planning that lineage cost seconds per query)
    priced = priced.persist(StorageLevel.MEMORY_AND_DISK).localCheckpoint(eager=True)
    priced.createOrReplaceTempView(name)
    src_df.unpersist()
    added = tuple(c for c in priced.columns if c not in have)
    return SparkPriced(table=name, tz=tz, store_summary=summary, catalog=catalog, priced_columns=added, spark=spark)


def window_view(spark: SparkSession, priced: SparkPriced, since: date | None, until: date | None) -> str:
    """The report's window as the view `priced_usage` (the name the measures read): the calendar
    days since..until (inclusive) in the report's time zone, as analysis._where bounds them."""
    from llmcost.document.priced_rows import COUNTING_COLUMNS

    tz = "'" + priced.tz.replace("'", "''") + "'"
    conds = ["true"]
    if since:
        conds.append(f"ts >= to_utc_timestamp(TIMESTAMP '{since.isoformat()} 00:00:00', {tz})")
    if until:
        conds.append(f"ts < to_utc_timestamp(TIMESTAMP '{until.isoformat()} 00:00:00' + INTERVAL 1 DAY, {tz})")
    spark.table(priced.table).where(" AND ".join(conds)).drop(*COUNTING_COLUMNS) \
        .createOrReplaceTempView("priced_usage")
    return "priced_usage"


# ---- the measures of llmcost.measures.registry.MEASURES, on Spark -----------------------------------------
class SparkCursor:
    """The part of a DuckDB connection the measures use (`execute(sql, params)`, `description`,
    `fetchall`, `fetchone`), over a SparkSession: each statement is DuckDB SQL (a file of sql/
    as measures._fetch points it at the priced rows) transpiled by `to_spark`. The one exception
    is the RAGPulse side files (measures.load_component_lengths): statements over them (read_json,
    the `component_lengths` table) run on a DuckDB connection on the driver, as the files are read
    from there, and the table is handed to Spark after each change."""

    def __init__(self, spark: SparkSession, relation: str = "priced_usage", *others: str) -> None:
        from llmcost.measures.queries import get_query, sql_dir, sql_over

        self.spark = spark
        self.relation = relation
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[str]] = []
        self._driver: Any = None
        # a query of sql/ with a hand-written Spark variant (sql/spark/), recognised by its text
        # as measures._fetch runs it over `relation` (or one of `others`): the variant runs in its
        # place, over the same relation
        self._variants = {sql_over(get_query(p.stem), r): (p.stem, r)
                          for p in sorted((sql_dir() / "spark").glob("*.sql")) for r in (relation, *others)}

    def _on_driver(self, sql: str) -> bool:
        low = sql.lower()
        return "read_json" in low or ("component_lengths" in low and "priced" not in low
                                       and not low.lstrip().startswith("with"))

    def execute(self, sql: str, params: Any = None) -> SparkCursor:
        if self._on_driver(sql):
            from llmcost.storage import duck

            if self._driver is None:
                self._driver = duck.bounded()
            cur = self._driver.execute(sql, params) if params else self._driver.execute(sql)
            self.description = [(d[0],) for d in (cur.description or [])]
            self._rows = list(cur.fetchall()) if cur.description else []
            if "component_lengths" in sql.lower() and not sql.lower().lstrip().startswith("select"):
                # handed over as one Arrow table (pyspark 4 takes a pyarrow Table), not row by row
                t = self._driver.sql("SELECT * FROM component_lengths").arrow().read_all()
                self.spark.createDataFrame(t, _struct(t.schema)).createOrReplaceTempView("component_lengths")
            return self
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("SparkCursor binds named parameters only ($name)")
        variant = self._variants.get(sql)
        df = self.spark.sql(query_sql(variant[0], variant[1], **(params or {})) if variant else to_spark(sql, params))
        self.description = [(c,) for c in df.columns]
        self._rows = [tuple(r.values()) for r in _pylist(df)]
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()


def measures_on_spark(spark: SparkSession, since: date | None, relation: str = "priced_usage",
                      volume: str | None = None) -> dict[str, Any]:
    """Every registered measure (llmcost.measures.registry.MEASURES, in registry order) over the window view
    `relation` on Spark (the volume queries over `volume`, the window's rows that count for volume),
    shaped for the document as analysis._measures shapes DuckDB's: the same compute functions,
    their queries run by a SparkCursor."""
    from typing import cast

    from llmcost.measures.registry import _measures, document_sections, load_config

    cur = SparkCursor(spark, relation, *([volume] if volume else []))
    try:
        none = {"since": None, "until": None, "provider": None}  # the window view is the window
        m = _measures(cast(Any, cur), dict(none), load_config(None), None, recent=since is None, relation=relation,
                      volume=volume)
    finally:
        cur.close()
    m["window"] = dict(none)
    return {**document_sections(m), "measures_window": m["window"]}


@contextmanager
def store_session(
    store_root: Path | str, master: str | None = None
) -> Iterator[tuple[SparkSession, Store | RemoteStore, Manifest]]:
    """A Spark session with the store's views registered, under the store's shared lock (the
    manifest cannot change under the read): the session, the store and its checked manifest.
    A store at a URL (`is_uri`) is read through Hadoop's file systems, without a lock
    (`RemoteStore`). DuckDB reads nothing of the store here."""
    from llmcost.storage.store import READ_WAIT, Store

    if is_uri(store_root):
        with _uri_session(str(store_root), master) as opened:
            yield opened
        return
    store = Store.open(Path(store_root))
    with store.lock(exclusive=False, wait=READ_WAIT):
        manifest = store.checked_manifest()
        spark = session(master)
        register_store(spark, store.root, manifest)
        yield spark, store, manifest


@contextmanager
def priced_on_spark(
    store_root: Path | str, catalog: Catalog, tz: str, master: str | None = None
) -> Iterator[tuple[SparkPriced, Store | RemoteStore, Manifest]]:
    """`--engine spark`: the store priced once on Spark (`price_once`), for the report's sections to
    read (analysis._report), under the store's shared lock until the report is built; with the
    store and its manifest (the document's ingest section reads them)."""
    with store_session(store_root, master) as (spark, store, manifest):
        priced = price_once(spark, catalog, tz)
        try:
            yield priced, store, manifest
        finally:
            spark.catalog.uncacheTable(priced.table)


__all__ = [
    "DEFAULT_MASTER",
    "MASTER_ENV",
    "REMOTE_ENV",
    "RemoteStore",
    "SparkCursor",
    "SparkPriced",
    "bind_spark",
    "check_java",
    "is_uri",
    "master_url",
    "measure",
    "measures_on_spark",
    "price_once",
    "priced_on_spark",
    "query_sql",
    "register_store",
    "rows",
    "session",
    "spark_queries",
    "store_session",
    "to_spark",
    "usage_turn_fill",
    "window_view",
]
