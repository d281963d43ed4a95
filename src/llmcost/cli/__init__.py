"""The command line: thin. Each command makes one library call and turns LlmcostError into a message.

Exit codes (docs/cron.md): 0 success; 1 some input files were not recognised or failed (the rest
were ingested and the report written), or the report's period holds no data (the report says so);
2 a usage or input mistake; 3 a store problem;
4 the forecast (or, without a forecast, month-to-date spend) crosses --budget (the report is still
written; 4 wins over 1); 75 the store is locked by another run (try again later).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import inspect
import os
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C while Python loads the tool's modules (a second or two): nothing has started."""
    sys.stderr.write("Interrupted: nothing was changed.\n")
    os._exit(130)


if "pytest" not in sys.modules:  # a test importing the CLI keeps its own Ctrl-C
    signal.signal(signal.SIGINT, _interrupted_while_starting)

# Python's cycle collector runs after every 700 net new container objects by default; importing
# the tool's libraries (DuckDB, polars, pyarrow; for a forecast statsmodels, scipy and pandas)
# and reading a large manifest create millions, and each pass walks the young ones. A report over
# the Claude Code bench store took 3.0 s with the default and 2.9 s with this (median of 10, paired,
# 2026-12-07: docs/benchmarks-claude-code.md); with the collector off, no faster. The older
# generations keep their default rhythm, so cyclic garbage is still freed within a few passes.
gc.set_threshold(100_000, 10, 10)

import duckdb  # noqa: E402  after the early Ctrl-C handler
import typer  # noqa: E402  after the early Ctrl-C handler

from llmcost.errors import BudgetExceeded, LlmcostError, UsageError  # noqa: E402  after the early Ctrl-C handler
from llmcost.ingest.privacy import mask_text  # noqa: E402  after the early Ctrl-C handler
from llmcost.report.sections import NAMES as SECTION_NAMES  # noqa: E402  after the early Ctrl-C handler
from llmcost.storage.duck import MEMORY_ENV, MEMORY_LIMIT  # noqa: E402  after the early Ctrl-C handler
from llmcost.text import plain, shown  # noqa: E402  after the early Ctrl-C handler

if TYPE_CHECKING:
    from llmcost.document.analysis import IngestRun
    from llmcost.ingest.results import FileResult

EXIT_PARTIAL = 1

MEMORY_HELP = (
    f"Memory: DuckDB works under a limit of {MEMORY_LIMIT} for ingest and report alike and spills past it to "
    f"disk (a report to the system temp folder, TMPDIR; an ingest to the store's .staging folder); set "
    f"{MEMORY_ENV} (e.g. {MEMORY_ENV}=8GB) to change it."
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode=None,
    help="Where did our LLM money go, what will next month cost, and what would routing, caching or trimming save.",
    epilog=MEMORY_HELP,
)

F = TypeVar("F", bound=Callable[..., Any])


def _argument_help_without_type() -> None:
    """Typer prints an argument's Python type after its metavar in --help (`PATH... <list[Path]>`);
    an argument given a metavar here says what it takes in words, so the type is left out."""
    from typer import core

    cls = getattr(core, "TyperArgument", None)
    original = getattr(cls, "display_type_rich", None)
    if cls is None or original is None or getattr(original, "_llmcost", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "metavar", None) else original(self, ctx)

    display_type_rich._llmcost = True  # type: ignore[attr-defined]
    cls.display_type_rich = display_type_rich


_argument_help_without_type()


def _inert(text: str) -> str:
    """Text for the terminal that may quote data, file names or user files: secrets masked, bytes
    of a file name that are not UTF-8 as \\xNN, control characters as '?' (llmcost.text)."""
    return plain(mask_text(shown(text)))


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {_inert(message)}", err=True)
    raise typer.Exit(code)


EXIT_INTERRUPTED = 130
"""128 + SIGINT, as a shell reports a command stopped with Ctrl-C."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout closed it early (128 + SIGPIPE, what a shell reports for such a process)."""

_state = {"interrupted": "nothing was changed"}
"""What is true if Ctrl-C lands now (set by each step of a command, see `_step`)."""


def _step(when_interrupted: str) -> None:
    """Say what an interrupt from now on leaves behind (the `Interrupted:` line)."""
    _state["interrupted"] = when_interrupted


def _interrupted() -> None:
    typer.echo(f"Interrupted: {_state['interrupted']}.", err=True)
    raise typer.Exit(EXIT_INTERRUPTED)


def _explain(e: Exception) -> None:
    """One `Error:` line and the exit code for the errors a user can act on (else return)."""
    if isinstance(e, LlmcostError):
        _fail(str(e), e.exit_code)
    elif isinstance(e, duckdb.OutOfMemoryException):
        from llmcost.storage.duck import memory_limit

        limit = memory_limit()
        _fail(
            f"Out of memory ({str(e).splitlines()[0]}) under the memory limit {limit}. Fix: raise it "
            f"({MEMORY_ENV}=8GB), or narrow the report with --month, --since or --until.",
            2,
        )
    elif isinstance(e, duckdb.IOException):
        first = str(e).splitlines()[0]
        if "No space left" not in str(e):
            _fail(f"Could not read or write a file: {first}. Fix: check the path and its permissions.", 3)
        spill = os.environ.get("TMPDIR", "/tmp")
        _fail(
            f"The disk is full ({first}). DuckDB spills intermediate data to {spill} when a report "
            "does not fit in memory. Fix: free space there, point TMPDIR at a larger disk, raise "
            "LLMCOST_MEMORY_LIMIT, or narrow the report with --month.",
            3,
        )
    elif isinstance(e, BrokenPipeError):
        # the reader of our output went away (`formats | head -1`): not an error of this run and
        # nothing to say; stdout goes to /dev/null so the flush at exit cannot fail again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # no file descriptor behind stdout (a test runner's buffer)
            pass
        raise typer.Exit(EXIT_BROKEN_PIPE)
    elif isinstance(e, OSError):
        # the file system refused (permissions, a full disk, a path that is not a directory)
        where = f" ({e.filename})" if e.filename else ""
        _fail(f"{e.strerror or e}{where}. Fix: check that path, its permissions and free space, then run again.", 3)
    elif isinstance(e, duckdb.Error):
        # Input files fail one by one inside the loader; what reaches here is reading the
        # store itself, e.g. a part damaged in place with its Parquet footer intact.
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        _fail(
            f"DuckDB could not read the store ({type(e).__name__}: {first}). If a file under the store "
            "was changed by something else, the store is damaged. Fix: delete the store directory and "
            "ingest again (inputs are never modified); if the store is intact, please report this as a bug.",
            3,
        )


def friendly(fn: F) -> F:
    """Turn library errors into one 'Error: ...' line and the error's exit code; Ctrl-C into one
    'Interrupted: ...' line saying what is true, exit 130 (issue 17: a traceback before). The
    store's lock is released on the way out (its `finally`), a writer's uncommitted staging is
    removed by the next writer, and an `--out` file is replaced only whole."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _step("nothing was changed")
        from llmcost.storage import interrupt

        try:
            from llmcost.storage.cleanup import clean_stale_temp

            clean_stale_temp()
            done = fn(*args, **kwargs)
            interrupt.check()  # pressed, and swallowed by code that treats a DuckDB error as a bad input
            return done
        except (KeyboardInterrupt, duckdb.InterruptException):
            _interrupted()
        except typer.Exit:
            if interrupt.pressed():
                _interrupted()
            raise
        except Exception as e:
            if interrupt.pressed():  # e.g. DuckDB's `RuntimeError: Query interrupted`
                _interrupted()
            _explain(e)
            raise

    return wrapper  # type: ignore[return-value]


def _path(value: str | Path) -> Path:
    """A path given on the command line. Refused: an empty one (Path("") would be the current
    folder) and one that starts with "-": that is the next option, taken as this one's value
    (`--store --logs ./exports` once made a store folder named "--logs")."""
    if isinstance(value, Path):
        return value
    if not value.strip():
        raise typer.BadParameter(
            "an empty path was given. Fix: name a file or folder (write . for the current folder).")
    if value.startswith("-"):
        raise typer.BadParameter(
            f"{value!r} looks like an option, not a path: this option's value is missing. "
            f"Fix: give the path right after the option (write ./{value} for a file whose name starts with '-')."
        )
    return Path(value)


class StoreURL(str):
    """--store given as a URL (s3a://bucket/store, file:///srv/store): read by `report --engine
    spark` only (engine.spark.is_uri); every other command needs a local directory."""


def _store_arg(value: str | Path) -> Path | StoreURL:
    """--store: a local directory (`_path`), or a URL kept as written (a Path would fold its `//`)."""
    if isinstance(value, Path | StoreURL):
        return value
    from llmcost.storage.store import is_store_url

    if is_store_url(value):
        return StoreURL(value.strip())
    return _path(value)


StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", metavar="DIR", parser=_store_arg,
                 help="Store directory (default: $LLMCOST_STORE, else ./.llmcost); with `report --engine spark` "
                 "also a URL (s3a://bucket/store, docs/scale.md).", show_default=False),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: table, md, json, csv or html.")
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", metavar="PATH", parser=_path,
        help="Write the report to this file (a directory for --format csv); placeholders "
        "{month}, {date}, {format}, {ext}, e.g. reports/llmcost-{month}.html. {month} is the month "
        "the report covers (in --tz): the --month given, else the --since/--until window's (an open "
        "end: the data's first or last day); FIRST_LAST (2026-08_2026-10) when it spans months.",
    ),
]
TableOpt = Annotated[
    str | None,
    typer.Option("--table", metavar="NAME", help="--format csv: print this one table (e.g. totals, by_day, turns)."),
]
MonthOpt = Annotated[
    str | None, typer.Option("--month", metavar="MONTH",
                             help="Report one calendar month: current, last or YYYY-MM (in --tz).")
]
TzOpt = Annotated[
    str, typer.Option("--tz", metavar="ZONE", help="Time zone of calendar days, months and quarters (IANA name, e.g. "
                 "Europe/Paris).")
]
BudgetOpt = Annotated[
    str | None,
    typer.Option("--budget", metavar="USD",
                 help="Monthly budget in USD: exit 4 when the forecast median or upper 80% bound "
                 "(else month-to-date spend) crosses it."),
]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", metavar="CODE",
                             help="Also show money in this currency (e.g. EUR); needs --rates.")
]
RatesOpt = Annotated[
    Path | None, typer.Option("--rates", metavar="FILE",
                              help="CSV of dated exchange rates: date,currency,rate_per_usd.")
]
PricesOpt = Annotated[
    Path | None, typer.Option("--prices", metavar="FILE",
                              help="Price override file (TOML); default ./llmcost-prices.toml.")
]
SourceOpt = Annotated[str | None, typer.Option("--source", metavar="FORMAT", help="Force this format (see `formats`).")]
MappingOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--mapping", metavar="FILE", help="A generic mapping file (TOML) describing your log columns (repeatable)."
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map", metavar="COL=FIELD",
        help="Inline generic mapping, e.g. --map ts=time --map input_tokens=prompt_len.",
    ),
]
KeepTextOpt = Annotated[bool, typer.Option("--keep-text", help="Also store prompt and response text.")]
AllowSqlOpt = Annotated[bool, typer.Option(
    "--allow-mapping-sql",
    help="Run the SQL expressions of --mapping files that say allow_sql = true (off: a mapping is data).")]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--label", metavar="KEY=VALUE",
        help="Store this label with the rows of the files this run ingests, e.g. --label host=laptop "
        "(repeatable); the report's by_label table gives each label's share.",
    ),
]
WaitOpt = Annotated[float, typer.Option("--wait", metavar="SECONDS",
                                        help="Seconds to wait for another run's store lock.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no report on stdout.")]
FullOpt = Annotated[
    bool, typer.Option("--full", help="--format table: print every section, not the one-screen summary.")
]
SectionOpt = Annotated[
    list[str] | None,
    typer.Option("--section", metavar="NAME", help="--format table: print this section in full (repeatable): "
                 + ", ".join(SECTION_NAMES) + "."),
]
ValueOpt = Annotated[str | None, typer.Option(
    "--value-per-conversion", metavar="USD",
    help="What one conversion brings, in USD: with --conversion-rate, the margin per session.")]
ConversionOpt = Annotated[str | None, typer.Option(
    "--conversion-rate", metavar="RATE",
    help="Share of sessions that convert (0.02 or 2%): the break-even value per conversion.")]
ByOpt = Annotated[
    list[str] | None,
    typer.Option("--by", metavar="tag:NAME",
                 help="Also give spend, requests and tokens by the value of this tag of your logs (repeatable), "
                 "e.g. --by tag:team: the by_tag table, with an '(untagged)' row (docs/measures.md)."),
]
EngineOpt = Annotated[
    str,
    typer.Option("--engine", metavar="duckdb|spark",
                 help="Where the measures run: duckdb (default), or spark, which computes the totals, by model, "
                 "project and day, the daily series and the spend measures with Spark SQL over the same store "
                 "(master from $SPARK_REMOTE or $LLMCOST_SPARK_MASTER, else local[2]; needs the [spark] extra); "
                 "see docs/scale.md."),
]
SinceOpt = Annotated[str | None, typer.Option("--since", metavar="DATE",
                                              help="Only usage on or after this date (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", metavar="DATE",
                                              help="Only usage on or before this date (YYYY-MM-DD).")]


def _store_dir(store: Path | None, engine: str | None = None) -> Path:
    """The store directory of a command; a URL only for `report --engine spark` (`engine`)."""
    from llmcost.storage.store import default_store

    if isinstance(store, StoreURL):
        if engine == "spark":
            return store  # type: ignore[return-value]  # engine.spark reads it through Hadoop's file systems
        raise UsageError(
            f"--store {store} is a URL: only `report --engine spark` reads a store there (Spark's Hadoop file "
            "systems). Fix: add --engine spark to a report, or use a local directory (ingest writes one; copy it "
            "to object storage after each run, its manifest last)."
        )
    return store or default_store()


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    from llmcost.tz import check_day

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date. Fix: write it as YYYY-MM-DD.") from None
    return check_day(day, flag)


def _as_of(value: str | None, tz: str) -> date | None:
    """--as-of as a date, refused after today in `tz` (tz.check_not_after_today)."""
    from llmcost.tz import check_not_after_today

    return check_not_after_today(_date(value, "--as-of"), "--as-of", tz)


def _dates(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """--since and --until as UTC dates (plan, swap), refused as `report` refuses them: --since after
    --until, or after today (tz.check_not_after_today). An empty window would otherwise answer with
    zeros, or blame the logs."""
    from llmcost.tz import check_not_after_today

    lo, hi = _date(since, "--since"), _date(until, "--until")
    if lo and hi and lo > hi:
        raise UsageError(f"--since {lo} is after --until {hi}. Fix: swap them.")
    return check_not_after_today(lo, "--since", "UTC"), hi


def _not_empty(**flags: str | None) -> None:
    """An option given as an empty string (`--month "$MONTH"` with MONTH unset) is a mistake, not
    "leave it out": before, `--month ''` reported the whole store and `--source ''` detected."""
    for name, value in flags.items():
        if value is not None and not value.strip():
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} is empty. Fix: give it a value, or leave {flag} out.")


def _register_mappings(mapping: list[Path] | None, inline: list[str] | None, allow_sql: bool = False) -> str | None:
    """Register user mappings; return the format name to force (for --map) or None."""
    from llmcost import ingest
    from llmcost.ingest.mapped import MappedIngestor, load_mapping_file, mapping_from_options

    for path in mapping or []:
        ingest.add(MappedIngestor(load_mapping_file(path, allow_sql=allow_sql)))
    if inline:
        m = mapping_from_options(inline)
        ingest.add(MappedIngestor(m))
        return m.name
    return None


def _progress(quiet: bool) -> Callable[[str, int, int], None]:
    from llmcost.storage import interrupt

    if quiet or not sys.stderr.isatty():
        def between_files(name: str, done: int, total: int) -> None:
            interrupt.check()  # Ctrl-C swallowed by a file's DuckDB query: stop before the next file

        return between_files
    from rich.markup import escape
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("ingesting", total=None)
    bar.start()

    def update(name: str, done: int, total: int) -> None:
        interrupt.check()
        # a description is rich markup: a file named `[/x].jsonl` must be shown, not parsed
        label = escape(_inert(f"ingesting {Path(name).name}"[:60]))
        bar.update(task, total=total, completed=done, description=label)
        if done >= total:
            bar.stop()

    return update


NOTES_SHOWN = 3
"""Notes said on stderr for one reason (the files a changed reader read again: every stored file
of a format after a release); the rest are counted in one line (a report made by the same run, the
main command's, lists each in its notes section)."""


def _say_notes(files: Iterable[FileResult]) -> None:
    """A note per file (an unchanged file read again because its format's reader changed, another
    llmcost store in --logs, not read): said, not a problem; NOTES_SHOWN per reason, then how many
    more."""
    said: dict[str, int] = {}
    for f in files:
        if not f.note:
            continue
        reason = f.note.removeprefix(f.path)  # "<file> was read again: ..." -> what every such file shares
        said[reason] = said.get(reason, 0) + 1
        if said[reason] <= NOTES_SHOWN:
            typer.echo(f"Note: {_inert(f.note)}.", err=True)
    for n in said.values():
        if n > NOTES_SHOWN:
            more = n - NOTES_SHOWN
            typer.echo(f"Note: and {more:,} more file{'' if more == 1 else 's'} for the same reason.", err=True)


def _ingest(paths: list[Path], store: Path | None, source: str | None, mapping: list[Path] | None,
            inline: list[str] | None, keep_text: bool, wait: float, quiet: bool,
            label: list[str] | None = None, allow_sql: bool = False) -> IngestRun:
    from llmcost.cli.labels import parse_labels
    from llmcost.document.analysis import IngestRun
    from llmcost.ingest.loader import load

    _not_empty(source=source)
    labels = parse_labels(label or [])
    forced = _register_mappings(mapping, inline, allow_sql)
    _step("the ingest stopped before its commit, so the store keeps its previous state")
    result = load(paths, _store_dir(store), source=source or forced, keep_text=keep_text, labels=labels,
                  wait=wait, progress=_progress(quiet))
    _step("this run's files were ingested and committed to the store")
    if not quiet:
        _say_notes(result.files)
    problems = [{"file": f.path, "status": f.status, "message": f.message or f.status} for f in result.problems()]
    notes = [{"file": f.path, "note": f.note} for f in result.files if f.note]
    counts = {
        s: len(result.by_status(s))
        for s in ("ingested", "replaced", "unchanged", "companion", "unrecognised", "failed")
    }
    return IngestRun(files=counts, problems=problems, notes=notes)


def _emit(text: str, out: Path | None, quiet: bool, name: str) -> None:
    """`text` to `out`, else to stdout; `name`: the file suggested when `out` is a directory."""
    if out:
        from llmcost.storage.output import write_text

        write_text(out, text, name=name)
    elif not quiet:
        typer.echo(text, nl=False)


AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE",
        help="The last day of data the forecast uses (YYYY-MM-DD); later data is ignored and the forecast "
        "starts the day after. Default: yesterday, or the last day with data if that is earlier.",
    ),
]
ScenariosOpt = Annotated[
    Path | None,
    typer.Option("--scenarios", metavar="FILE", help="Scenario and what-if file (TOML) replacing the built-in one; "
                 "see docs/scenarios.md."),
]
NoForecastOpt = Annotated[bool, typer.Option("--no-forecast", help="Skip the forecast, scenarios and what-ifs.")]
@dataclass
class ReportArgs:
    """The report's options, defined once: each field is an option of both the main job and
    `report` (`report_options` gives a command all of them and hands it one ReportArgs)."""

    store: StoreOpt = None
    format: FormatOpt = "table"
    out: OutOpt = None
    prices: PricesOpt = None
    since: SinceOpt = None
    until: UntilOpt = None
    quiet: QuietOpt = False
    table: TableOpt = None
    month: MonthOpt = None
    tz: TzOpt = "UTC"
    budget: BudgetOpt = None
    currency: CurrencyOpt = None
    rates: RatesOpt = None
    as_of: AsOfOpt = None
    scenarios: ScenariosOpt = None
    no_forecast: NoForecastOpt = False
    full: FullOpt = False
    section: SectionOpt = None
    value_per_conversion: ValueOpt = None
    conversion_rate: ConversionOpt = None
    by: ByOpt = None
    engine: EngineOpt = "duckdb"


REPORT_DEFAULTS = ReportArgs()
"""What a command declaring `report: ReportArgs` gets when no report option is given."""


def report_options(fn: F) -> F:
    """Put every ReportArgs field, as its typer option, in place of `fn`'s `report: ReportArgs`
    parameter (so `--help` lists each once, with one help text); `fn` is called with them
    gathered into one ReportArgs."""
    hints = get_type_hints(ReportArgs, include_extras=True)
    fields = [f.name for f in dataclasses.fields(ReportArgs)]
    own = inspect.signature(fn, eval_str=True)
    params: list[inspect.Parameter] = []
    for p in own.parameters.values():
        if p.name == "report":
            params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=hints[name],
                                         default=getattr(ReportArgs, name)) for name in fields]
        else:
            params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        report = ReportArgs(**{name: kwargs.pop(name) for name in fields})
        return fn(**kwargs, report=report)

    wrapper.__signature__ = own.replace(parameters=params, return_annotation=own.return_annotation)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": own.return_annotation}
    return wrapper  # type: ignore[return-value]


def _tags(by: list[str] | None) -> tuple[str, ...]:
    """The tag names of --by tag:NAME options, in the order given."""
    names = []
    for b in by or []:
        kind, sep, name = b.partition(":")
        if kind.strip().lower() != "tag" or not sep or not name.strip():
            raise UsageError(
                f"--by {b!r} is not a tag to group by. Fix: write --by tag:NAME (e.g. --by tag:team); spend by "
                "project, model and day is always in the report (by_project, by_provider_model, by_day)."
            )
        names.append(name.strip())
    return tuple(dict.fromkeys(names))


def _usd(value: str, flag: str, example: str) -> Decimal:
    """An amount in USD typed on the command line ($ and thousands commas allowed): finite, >= 0
    and at most strict.MAX_NUMBER (1e999999999 overflowed the report's arithmetic)."""
    from llmcost.config.strict import MAX_NUMBER, finite

    try:
        d = Decimal(value.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise UsageError(f"{flag} {value!r} is not an amount. Fix: write it in USD, e.g. {flag} {example}.") from None
    if not finite(d) or d < 0:
        raise UsageError(f"{flag} {value!r} is not a usable amount. Fix: write an amount in USD from 0 to "
                         f"{MAX_NUMBER:,f}, e.g. {flag} {example}.")
    return d


ENGINES = ("duckdb", "spark")


def _engine(value: str) -> str:
    name = value.strip().lower()
    if name not in ENGINES:
        raise UsageError(f"Unknown --engine {value!r}. Fix: use one of {', '.join(ENGINES)}.")
    return name


def _check_format(value: str, command: str, formats: Iterable[str] = ("table", "json")) -> None:
    """A command's --format: one of `formats` (the report's formats are checked in `_report`)."""
    names = list(formats)
    if value not in names:
        choices = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        raise UsageError(f"Unknown --format {value!r} for {command}. Fix: use {choices}.")


def _budget(value: str | None) -> Decimal | None:
    return None if value is None else _usd(value, "--budget", "250")


def _economics(value: str | None, rate: str | None) -> tuple[Decimal | None, Decimal | None]:
    """--value-per-conversion and --conversion-rate as Decimals (the rate as a fraction)."""
    if value is not None and rate is None:
        raise UsageError("--value-per-conversion needs --conversion-rate (the share of sessions that convert). "
                         "Fix: add e.g. --conversion-rate 2%.")
    r = v = None
    if rate is not None:
        text = rate.strip()
        try:
            r = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except InvalidOperation:
            raise UsageError(f"--conversion-rate {rate!r} is not a rate. Fix: write 0.02 or 2%.") from None
        if not r.is_finite() or not 0 < r <= 1:
            raise UsageError(f"--conversion-rate {rate!r} is out of range. Fix: use a share above 0 and up to 1 "
                             "(0.02 or 2%).")
    if value is not None:
        v = _usd(value, "--value-per-conversion", "2.50")
    return v, r


def terminal() -> tuple[int | None, bool, bool]:
    """(width, tty, color) of standard output: its columns, box drawing and colour (unless NO_COLOR)
    on a terminal; (None, False, False), the renderers' 120 plain columns, in a file or a pipe."""
    if not sys.stdout.isatty():
        return None, False, False
    import shutil

    return shutil.get_terminal_size().columns, True, "NO_COLOR" not in os.environ


def _report(a: ReportArgs, last_run: IngestRun | None = None) -> int:
    """Build and write the report; the exit code: 0, or EXIT_PARTIAL when its period holds no data
    (BudgetExceeded when over budget)."""
    from llmcost.document.analysis import ReportOptions, build_report
    from llmcost.report import EXTENSIONS, FORMATS, expand_out, render

    _not_empty(month=a.month, currency=a.currency, table=a.table, since=a.since, until=a.until, as_of=a.as_of,
               budget=a.budget, tz=a.tz)
    fmt = a.format
    if fmt not in FORMATS:
        raise UsageError(f"Unknown --format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
    if (a.full or a.section) and fmt != "table":
        raise UsageError("--full and --section choose what the terminal report shows; the other formats always "
                         "hold every section. Fix: drop them, or use --format table.")
    if a.table and fmt != "csv":
        raise UsageError("--table works with --format csv. Fix: add --format csv.")
    if fmt == "csv" and not a.table and a.out is None:
        raise UsageError(
            "--format csv writes one file per table. Fix: add --out DIR, or --table NAME to print one "
            "table (e.g. --table totals)."
        )
    engine = _engine(a.engine)
    opts = ReportOptions(store=_store_dir(a.store, engine), prices_file=a.prices, since=_date(a.since, "--since"),
                         until=_date(a.until, "--until"), month=a.month, tz=a.tz, budget=_budget(a.budget),
                         currency=a.currency, rates_file=a.rates, as_of=_as_of(a.as_of, a.tz),
                         scenarios_file=a.scenarios, forecast=not a.no_forecast, tags=_tags(a.by),
                         engine=engine)
    opts.value_per_conversion, opts.conversion_rate = _economics(a.value_per_conversion, a.conversion_rate)
    done = _state["interrupted"]
    _step(("no report was written; " + done) if done != "nothing was changed"
          else "no report was written and the store was not changed")
    doc = build_report(opts, last_run=last_run)
    out = None
    if a.out is not None:
        from llmcost import clock

        today = clock.today(a.tz)
        out = expand_out(a.out, month=doc["period"].get("covers"), fmt=fmt, today=today)
    if fmt == "csv" and not a.table:
        from llmcost.report.csv_report import write_all

        assert out is not None
        write_all(doc, out)
    else:
        width, tty, color = terminal() if fmt == "table" and out is None else (None, False, False)
        text = render(doc, fmt, width=width, color=color, table_name=a.table, full=a.full,
                      sections=tuple(a.section or ()), tty=tty)
        # --out DIR is refused with a file named for the output: report.<ext of --format>, and
        # for one CSV table its name as `--format csv --out DIR` writes it (<table>.csv)
        name = f"{a.table}.csv" if fmt == "csv" else f"report.{EXTENSIONS[fmt]}"
        _emit(text, out, a.quiet, name)
    code = 0
    if not doc["period"].get("has_data", True):
        # a report over no data is written, and says so where a cron job's log sees it (even --quiet):
        # exit 1, the report was written but is not a measure of the period (docs/cron.md)
        typer.echo(f"Warning: {_inert(doc['warnings'][0])}.", err=True)
        code = EXIT_PARTIAL
    b = doc.get("budget")
    if b and b["value_usd"] is None:
        # not over, not within: say so on stderr even with --quiet, so a cron job's log shows it
        typer.echo(f"Warning: budget not checked: {_inert(b['message'])}.", err=True)
    if b and b["exceeded"]:
        raise BudgetExceeded(
            f"Over budget: {b['message']}. The report was written; raise --budget or cut spend."
        )
    return code


InferOpt = Annotated[
    bool,
    typer.Option(
        "--infer-conversations",
        help="Infer conversation ids where the logs have none (marked inferred; docs/conversations.md).",
    ),
]


def _infer(store: Path | None, wait: float, quiet: bool) -> None:
    from llmcost.ingest.conversations import write_inferred

    counts = write_inferred(_store_dir(store), wait=wait)
    if not quiet:
        typer.echo(
            f"Inferred {counts.get('inferred_conversations', 0):,} conversations over "
            f"{counts.get('inferred_requests', 0):,} requests (marked inferred).",
            err=True,
        )


UNKNOWN_SHOWN = 3
"""Files of one folder that no format matches, warned about one by one before the rest are counted."""


def _warn_problems(run: IngestRun) -> int:
    """One `Warning:` line per file not ingested; past UNKNOWN_SHOWN files of one folder that no
    format matches (a dataset's side files, a folder of notes), one line counts the rest of them
    with a few names: a cron mail of 70 identical lines hides the one failure that matters."""
    unknown: dict[str, list[str]] = {}
    for p in run.problems:
        if p["status"] == "unrecognised" and p["message"].startswith("no known format matches "):
            folder, _, name = p["file"].rpartition("/")
            seen = unknown.setdefault(folder, [])
            seen.append(name)
            if len(seen) > UNKNOWN_SHOWN:
                continue
        typer.echo(f"Warning: {_inert(p['message'])}", err=True)
    for folder, names in unknown.items():
        rest = names[UNKNOWN_SHOWN:]
        if rest:
            some = ", ".join(rest[:3]) + (", ..." if len(rest) > 3 else "")
            typer.echo(f"Warning: {len(rest):,} more files in {_inert(folder or '.')} match no known format "
                       f"either ({_inert(some)}).", err=True)
    return EXIT_PARTIAL if run.problems else 0


@app.callback(invoke_without_command=True)
@friendly
@report_options
def main_job(
    ctx: typer.Context,
    logs: Annotated[
        list[Path] | None,
        typer.Option(
            "--logs", metavar="PATH", parser=_path,
            help="Ingest these files or directories (or a quoted pattern: 'exports/**/*.jsonl'), then report "
                 "(repeatable).",
        ),
    ] = None,
    report: ReportArgs = REPORT_DEFAULTS,
    source: SourceOpt = None,
    mapping: MappingOpt = None,
    map_: MapOpt = None,
    keep_text: KeepTextOpt = False,
    allow_mapping_sql: AllowSqlOpt = False,
    label: LabelOpt = None,
    wait: WaitOpt = 30.0,
    infer_conversations: InferOpt = False,
) -> None:
    """The main job: `llmcost-forecast --logs DIR` ingests DIR into the store (new or changed files only),
    then prints or writes the report. Cron-ready: see docs/cron.md."""
    if ctx.invoked_subcommand is not None:
        return
    store, quiet = report.store, report.quiet
    if not logs:
        if not _given_on_command_line(ctx):
            typer.echo(ctx.get_help())
            raise typer.Exit(0)
        # options but no --logs (`llmcost-forecast --store S --format json` from cron after a
        # separate ingest): report the store as it is, as `report` would, instead of printing
        # help and exiting 0 without a report
        if source or mapping or map_ or keep_text or label or infer_conversations:
            raise UsageError("--source, --mapping, --map, --keep-text, --label and --infer-conversations act on "
                             "ingest, and no --logs was given. Fix: add --logs <path> (or use `llmcost-forecast "
                             "ingest`).")
        raise typer.Exit(_report(report))
    run = _ingest(logs, store, source, mapping, map_, keep_text, wait, quiet, label, allow_mapping_sql)
    code = _warn_problems(run)
    if infer_conversations:
        _infer(store, wait, quiet)
    raise typer.Exit(max(code, _report(report, last_run=run)))


def _given_on_command_line(ctx: typer.Context) -> bool:
    """True when any option was typed (not a default, not only an environment variable)."""
    # compared by name: typer >= 0.22 ships click privately, so its ParameterSource is not importable
    return any(getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE" for name in ctx.params)


@app.command(epilog=MEMORY_HELP)
@friendly
def ingest(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", parser=_path,
                                                help="Files or directories (walked recursively; archives and "
                                                     ".gz work), or a quoted pattern ('exports/**/*.jsonl').")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    mapping: MappingOpt = None,
    map_: MapOpt = None,
    keep_text: KeepTextOpt = False,
    allow_mapping_sql: AllowSqlOpt = False,
    label: LabelOpt = None,
    wait: WaitOpt = 30.0,
    quiet: QuietOpt = False,
    infer_conversations: InferOpt = False,
) -> None:
    """Ingest usage files into the store (unchanged files are skipped; changed files replace their rows)."""
    run = _ingest(paths, store, source, mapping, map_, keep_text, wait, quiet, label, allow_mapping_sql)
    if infer_conversations:
        _infer(store, wait, quiet)
    from llmcost.document.analysis import ingest_summary
    from llmcost.report._fmt import rows_read, run_counts
    from llmcost.storage.store import Store

    with Store.open(_store_dir(store)).reader() as r:
        summary = ingest_summary(r.manifest)
    if not quiet:
        c = run.files
        typer.echo(
            f"{run_counts(c)}. Store: {rows_read(summary, '{:,}'.format)}."
        )
    raise typer.Exit(_warn_problems(run))


@app.command(epilog=MEMORY_HELP)
@friendly
def compact(store: StoreOpt = None, wait: WaitOpt = 30.0, quiet: QuietOpt = False) -> None:
    """Merge each month's small Parquet parts into one (a run does it by itself past 32 parts a month)."""
    from llmcost.storage.compact import compact as compact_store

    before, after = compact_store(_store_dir(store), wait=wait)
    if not quiet:
        typer.echo(f"Parts: {before:,} before, {after:,} after.")


@app.command("report", epilog=MEMORY_HELP)
@friendly
@report_options
def report_command(report: ReportArgs = REPORT_DEFAULTS) -> None:
    """Print or write the report for the store (table, md, json, csv or html)."""
    raise typer.Exit(_report(report))


def _focus_out(out: Path, tz: str) -> Callable[[str | None], Path]:
    """export-focus's --out with the report's placeholders, so --out means the same in every
    command: {month} is the month(s) the export covers (covered_months, as for `report`), {date},
    {format} and {ext} (csv). Called by the export once it knows its window's data."""
    from llmcost import clock
    from llmcost.report import expand_out
    from llmcost.tz import check_tz

    today = clock.today(check_tz(tz))
    return lambda covers: expand_out(out, month=covers, fmt="csv", today=today)


@app.command("export-focus", epilog=MEMORY_HELP)
@friendly
def export_focus(
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", parser=_path,
                           help="CSV file to write (FOCUS 1.2 columns + x_ columns); placeholders as "
                           "report's --out: {month} (the month(s) exported), {date}, {format}, {ext}.")
    ],
    store: StoreOpt = None,
    prices: PricesOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    month: MonthOpt = None,
    tz: TzOpt = "UTC",
) -> None:
    """Export actual costs (and each scenario, when computed) as a FinOps FOCUS 1.2 CSV."""
    from llmcost.document.analysis import ReportOptions
    from llmcost.document.focus_export import export_focus as run

    _not_empty(month=month)  # `--month "$MONTH"` with MONTH unset: an error, as in `report`
    opts = ReportOptions(store=_store_dir(store), prices_file=prices, since=_date(since, "--since"),
                         until=_date(until, "--until"), month=month, tz=tz)
    expand, written = _focus_out(out, tz), [out]

    def name(covers: str | None) -> Path:
        written[0] = expand(covers)
        return written[0]

    n, unpriced = run(opts, name)
    out = written[0]
    left = f" {unpriced:,} unpriced requests left out (no cost to state; see `report`)." if unpriced else ""
    typer.echo(_inert(f"Wrote {n:,} FOCUS 1.2 rows to {out}.{left}"), err=True)


@app.command()
@friendly
def formats() -> None:
    """List the input formats the tool recognises (detected from content, not file names)."""
    from llmcost import ingest as registry

    for name, ing in registry.registry().items():
        typer.echo(_inert(f"{name:32s} {ing.title}"))  # a --mapping file names its own format


@app.command()
@friendly
def prices(
    model: Annotated[str, typer.Argument(metavar="MODEL",
                                         help="Model name as your logs write it, or the word 'update'.")],
    source: Annotated[str | None, typer.Argument(
        metavar="[FILE|URL]", help="With 'update': a genai-prices data.json file or an http(s) URL.")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="DATE",
                                           help="Date (YYYY-MM-DD) the price applies to.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", metavar="NAME",
                                                 help="Provider, e.g. openai, anthropic, aws.")] = None,
    prices_file: PricesOpt = None,
) -> None:
    """Show the prices a model resolves to on a date, and where they came from.

    `prices update FILE|URL` installs a newer genai-prices data file (validated, kept in
    ~/.config/llmcost-forecast/) and uses it from then on; only a URL makes a network call.
    """
    from llmcost.cli.prices import prices_command, update_command

    if model == "update":
        typer.echo(_inert(update_command(source)))
        return
    typer.echo(_inert(prices_command(model, at, provider, prices_file, source)))


def _bare_path(argv: list[str]) -> str | None:
    """The first positional word of the main job's command line when it is not a command (a path
    typed without --logs), else None."""
    group = typer.main.get_command(app)
    commands = set(getattr(group, "commands", {}))
    takes_value = {o for p in group.params if not getattr(p, "is_flag", False) for o in getattr(p, "opts", [])}
    known = {o for p in group.params for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}
    skip = False
    for word in argv:
        if skip:
            skip = False
            if word.startswith("-"):
                return None  # an option where a value belongs: the option's own check says so (_path)
        elif word == "--":
            continue
        elif word.startswith("-"):
            if word.split("=", 1)[0] not in known | {"--help"}:
                # an unknown option (`--output` for --out): its value would pass for a path, so
                # the parser's "No such option ... (Possible options: --out)" speaks instead
                return None
            skip = word in takes_value  # --opt=value carries its own value
        else:
            return None if word in commands else word
    return None


def main() -> None:
    # from here Ctrl-C is a KeyboardInterrupt (and remembered) that `friendly` turns into its
    # `Interrupted:` line
    from llmcost.storage import interrupt

    interrupt.install()
    word = _bare_path(sys.argv[1:])
    if word is not None:
        import shlex

        if os.path.exists(word) or os.sep in word or "." in word:
            args = [a for a in sys.argv[1:] if a != word]
            typer.echo(_inert(f"Error: {word!r} is not a command. Fix: to ingest the files there and report, run "
                                 f"{shlex.join(['llmcost-forecast', '--logs', word, *args])}"), err=True)
            raise SystemExit(2)
    try:
        app()
    except SystemExit as e:  # how typer ends every command, its exit code set
        code = e.code
    else:
        code = 0
    finally:
        # the command has finished and its exit code is set: a Ctrl-C while Python shuts down
        # (closing DuckDB, flushing) would only turn a finished run into a silent exit -2
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _finish(code)


def _finish(code: object) -> None:
    """End the process with exit code `code` once the command is done: flush the output, run the
    exit handlers (atexit: logging, temporary files), then leave without tearing down every
    module the command imported. That teardown (statsmodels, scipy, pandas, polars, pyarrow)
    took about 0.3 s after a report and changes nothing: the stores and files are closed and
    committed by then. A code that is not an int (or None) takes Python's own way out."""
    if code is None:
        code = 0
    if not isinstance(code, int):
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: let Python report and exit as usual
        raise SystemExit(code) from None
    import atexit

    atexit._run_exitfuncs()
    os._exit(code)


from llmcost.cli import forecast as _forecast  # noqa: E402,F401  registers commands
from llmcost.cli import plan as _plan  # noqa: E402,F401  registers commands
from llmcost.cli import swap as _swap  # noqa: E402,F401  registers commands
