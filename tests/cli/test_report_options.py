"""The report's options are defined once (issue 18): the main job and `report` both take every
ReportArgs field, as the same option with the same help text, and nothing else is duplicated."""

from __future__ import annotations

import dataclasses

import typer

from llmcost.cli import ReportArgs, app


def _options(cmd: object) -> dict[str, tuple[tuple[str, ...], str | None]]:
    return {p.name: (tuple(p.opts), getattr(p, "help", None)) for p in cmd.params}  # type: ignore[attr-defined]


def test_main_job_and_report_share_each_report_option() -> None:
    group = typer.main.get_command(app)
    main, report = _options(group), _options(group.commands["report"])  # type: ignore[attr-defined]
    fields = {f.name for f in dataclasses.fields(ReportArgs)}
    assert len(fields) == 22  # store ... by, engine, counted in the dataclass
    assert fields <= set(report) and fields <= set(main)
    for name in fields:
        assert main[name] == report[name], name
        assert main[name][1], f"--{name} has no help text"
    assert set(report) == fields  # `report` has no option of its own
    # the main job adds the ingest options only
    assert set(main) - fields == {"logs", "source", "mapping", "map_", "keep_text", "allow_mapping_sql", "label",
                                  "wait", "infer_conversations"}
