"""A newer genai-prices data file, installed by `llmcost-forecast prices update FILE|URL`.

The pinned catalog (genai-prices 0.2.3) falls behind the providers, and users cannot wait for our
next release. genai-prices publishes its whole catalog as one JSON file (`prices/new_data/v2/data.json`
in pydantic/genai-prices); this module validates such a file with genai-prices' own loader (the one
its `UpdatePrices` uses), keeps it in the user's config directory with its source, date and sha256,
and hands it to the catalog from then on. Nothing here touches the network except `read_source`
with an explicit http(s) URL, which only the `prices update` command calls.

Files, in `$XDG_CONFIG_HOME/llmcost-forecast/` (default `~/.config/llmcost-forecast/`):
  genai-prices-data.json       the data file as downloaded, byte for byte
  genai-prices-data.meta.json  {"source", "installed_at", "sha256", "providers", "models"}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import genai_prices
from genai_prices import types as gp

from llmcost import clock
from llmcost.errors import ConfigError

DATA_FILE = "genai-prices-data.json"
META_FILE = "genai-prices-data.meta.json"
MAX_BYTES = 64 * 1024 * 1024
"""A genai-prices data file is a few MB; anything far bigger is not one."""
URL_TIMEOUT_S = 30


@dataclass(frozen=True)
class InstalledData:
    """A validated genai-prices data file and where it came from."""

    providers: list[gp.Provider]
    source: str
    """The path or URL it was installed from."""
    installed_at: str
    """UTC time of `prices update`, ISO 8601."""
    sha256: str
    path: Path | None
    """Where it is kept (None before it is installed)."""

    @property
    def label(self) -> str:
        """How reports name this catalog."""
        return (f"genai-prices data from {self.source} (installed {self.installed_at[:10]}, "
                f"sha256 {self.sha256[:12]}; loader genai-prices {genai_prices.__version__})")


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/llmcost-forecast`, or `~/.config/llmcost-forecast`."""
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "llmcost-forecast"


def read_source(source: str) -> bytes:
    """The bytes of a local file, or of an explicit http(s) URL (the only network access in llmcost)."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=URL_TIMEOUT_S) as resp:
                data: bytes = resp.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as err:
            err.close()  # an HTTPError holds the response (and its socket) open
            raise ConfigError(f"{source}: cannot download the price data (HTTP {err.code} {err.reason}). "
                              "Check the URL, or download it and pass the file.") from None
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            raise ConfigError(f"{source}: cannot download the price data ({reason}). "
                              "Check the URL, or download it and pass the file.") from None
    elif "://" in source:
        raise ConfigError(f"{source}: only http:// and https:// URLs or a local file can be used. "
                          "Pass a path or an http(s) URL.")
    else:
        try:
            with Path(source).open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as err:
            raise ConfigError(f"{source}: cannot read the price data file ({err.strerror}). "
                              "Check the path.") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB, so not a genai-prices data "
                          "file. Pass genai-prices' prices/new_data/v2/data.json.")
    return data


def parse_data(data: bytes, source: str) -> list[gp.Provider]:
    """Validate a genai-prices v2 data file with genai-prices' own loader; ConfigError naming the problem."""
    fix = "Pass genai-prices' prices/new_data/v2/data.json (a JSON array of providers)."
    try:
        raw: Any = json.loads(data)
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 JSON. {fix}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{source}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}). "
                          f"{fix}") from None
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{source}: expected a non-empty JSON array of providers, got "
                          f"{type(raw).__name__ if raw else 'an empty one'}. {fix}")
    try:
        providers = gp._providers_from_raw(raw)  # genai-prices' loader, as UpdatePrices.fetch uses it
    except ValueError as err:  # pydantic ValidationError is a ValueError
        first = str(err).splitlines()
        detail = "; ".join(line.strip() for line in first[:3])
        raise ConfigError(f"{source}: does not match the genai-prices {genai_prices.__version__} schema "
                          f"({detail}). {fix}") from None
    if not any(p.models for p in providers):
        raise ConfigError(f"{source}: no provider in it has a model. {fix}")
    return providers


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install(source: str, now: datetime | None = None) -> InstalledData:
    """Read, validate and keep the data file at `source`; the old one stays if anything fails."""
    data = read_source(source)
    providers = parse_data(data, source)
    if not source.startswith(("http://", "https://")):
        source = str(Path(source).resolve())
    when = (now or clock.now()).astimezone(UTC).replace(microsecond=0).isoformat()
    digest = hashlib.sha256(data).hexdigest()
    meta = {
        "source": source,
        "installed_at": when,
        "sha256": digest,
        "providers": len(providers),
        "models": sum(len(p.models) for p in providers),
    }
    folder = config_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # data first, then meta: a reader checks the data's sha256 against meta and refuses a mismatch
        _write_atomic(folder / DATA_FILE, data)
        _write_atomic(folder / META_FILE, json.dumps(meta, indent=2).encode())
    except OSError as err:
        raise ConfigError(f"{folder}: cannot keep the price data there ({err.strerror}). "
                          "Set XDG_CONFIG_HOME to a writable directory.") from None
    return InstalledData(providers, source, when, digest, folder / DATA_FILE)


_loaded: dict[tuple[str, int, int], InstalledData] = {}


def installed() -> InstalledData | None:
    """The data file `prices update` installed, or None (then the bundled catalog is used)."""
    folder = config_dir()
    data_path, meta_path = folder / DATA_FILE, folder / META_FILE
    if not data_path.is_file() or not meta_path.is_file():
        return None
    st = data_path.stat()
    key = (str(data_path), st.st_mtime_ns, st.st_size)
    if key in _loaded:
        return _loaded[key]
    fix = f"Run `llmcost-forecast prices update FILE|URL` again, or delete {data_path} to use the bundled catalog."
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError) as err:
        raise ConfigError(f"{meta_path}: cannot read the installed price data ({err}). {fix}") from None
    if not isinstance(meta, dict) or meta.get("sha256") != hashlib.sha256(data).hexdigest():
        raise ConfigError(f"{data_path}: does not match its sha256 in {META_FILE}. {fix}")
    providers = parse_data(data, str(data_path))
    got = InstalledData(providers, str(meta.get("source", "?")), str(meta.get("installed_at", "?")),
                        str(meta["sha256"]), data_path)
    _loaded[key] = got
    return got
