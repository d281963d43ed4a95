"""`--engine spark` without a usable Java: one `Error:` line with the fix, exit 2, no traceback.

pyspark starts the JVM with $JAVA_HOME/bin/java when JAVA_HOME is set, else the `java` on the PATH
(pyspark's bin/spark-class); llmcost.engine.spark.check_java looks in the same places first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")

CLI = Path(sys.executable).parent / "llmcost-forecast"


def _report(store: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "report", "--store", str(store), "--no-forecast", "--engine", "spark"],
                          capture_output=True, text=True, env=env, timeout=300)


def _env(java_home: Path, path: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_REMOTE", "PATH")}
    return {**env, "JAVA_HOME": str(java_home), "PATH": path}


def _assert_one_error(res: subprocess.CompletedProcess[str], says: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    errors = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.stderr
    assert says in errors[0] and "Fix:" in errors[0] and "--engine duckdb" in errors[0], errors[0]


def test_no_java_is_one_error_line(sample_store: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-jdk"
    empty.mkdir()
    bin_only = tmp_path / "bin"  # a PATH with no java on it
    bin_only.mkdir()
    res = _report(sample_store, _env(empty, str(bin_only)))
    _assert_one_error(res, f"no java in JAVA_HOME={empty}")


def test_old_java_is_one_error_line(sample_store: Path, tmp_path: Path) -> None:
    """A JAVA_HOME whose java says it is 11 (as `java -version` prints it, on stderr)."""
    home = tmp_path / "jdk11"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n', encoding="utf-8")
    java.chmod(0o755)
    res = _report(sample_store, _env(home, "/usr/bin:/bin"))
    _assert_one_error(res, "is Java 11")
