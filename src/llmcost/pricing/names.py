"""One normalisation step from the model names logs contain to names the catalog knows.

Logs spell one model many ways: dated snapshots (`gpt-4o-2024-08-06`), provider prefixes
(`openai/gpt-4o`, LiteLLM style), Bedrock ids and ARNs with regional prefixes
(`us.anthropic.claude-sonnet-4-20250514-v1:0`), Vertex ids (`claude-sonnet-4@20250514`,
`models/gemini-2.5-pro`), `-latest` aliases and Azure deployment names. genai-prices' own matcher
already handles dated snapshots, Bedrock ids/ARNs, Vertex `@` ids and `models/` (see
docs/pricing.md), so this module only produces an ordered list of *candidate* spellings to try
against it, most specific first. Splitting one model into several rows or missing its price is a
common bug in peer tools (ccusage#656, litellm#38069), hence one place for it.
"""

from __future__ import annotations

import re

PROVIDER_ALIASES: dict[str, str] = {
    "bedrock": "aws",
    "aws_bedrock": "aws",
    "amazon": "aws",
    "amazon-bedrock": "aws",
    "vertex": "google",
    "vertex_ai": "google",
    "vertex-ai": "google",
    "gemini": "google",
    "google-vertex": "google",
    "google_vertex": "google",
    "googleai": "google",
    "azure_openai": "azure",
    "azure-openai": "azure",
    "azure_ai": "azure",
    "xai": "x-ai",
    "claude": "anthropic",
}
"""Provider spellings seen in logs and LiteLLM prefixes -> genai-prices provider ids."""

_DATE_SUFFIX = re.compile(r"-(20\d{2})-?(\d{2})-?(\d{2})$")
_BEDROCK_REGION = re.compile(r"^(us|eu|apac|ap|jp|au|ca|us-gov|global)\.")
_BEDROCK_VENDORS = ("anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "deepseek.", "openai.")
_BEDROCK_VERSION = re.compile(r"-v\d+(:\d+)?$")


def provider_id(provider: str | None) -> str | None:
    """The catalog provider id for a `provider` column value (lower case, aliases resolved)."""
    if provider is None or not provider.strip():
        return None
    p = provider.strip().lower()
    return PROVIDER_ALIASES.get(p, p)


def candidates(model: str, known_providers: frozenset[str]) -> list[tuple[str | None, str, str]]:
    """Spellings of `model` to try, as (provider hint or None, name, step that produced it).

    The first entry is the name as written (lower case); later entries strip one more layer.
    """
    out: list[tuple[str | None, str, str]] = []
    seen: set[tuple[str | None, str]] = set()

    def add(hint: str | None, name: str, step: str) -> None:
        if name and (hint, name) not in seen:
            seen.add((hint, name))
            out.append((hint, name, step))

    name = model.strip().lower()
    hint: str | None = None
    add(None, name, "as written")

    if name.startswith("arn:aws:bedrock:") and "/" in name:
        # arn:aws:bedrock:<region>:<acct>:inference-profile/us.anthropic... or foundation-model/anthropic...
        hint, name = "aws", name.rsplit("/", 1)[1]
        add(hint, name, "bedrock arn")

    if "/" in name:
        prefix, rest = name.split("/", 1)
        mapped = provider_id(prefix)
        if prefix == "models":
            name = rest
            add(hint, name, "models/ prefix")
        elif mapped in known_providers:
            hint, name = mapped, rest
            add(hint, name, f"{prefix}/ prefix")
            if name.startswith("models/"):
                name = name[len("models/"):]
                add(hint, name, "models/ prefix")

    if "@" in name:
        # Vertex: claude-sonnet-4@20250514 -> claude-sonnet-4-20250514, then claude-sonnet-4
        base, _, ver = name.partition("@")
        add(hint or "google", name, "vertex id")
        if ver and ver != "default":
            add(None, f"{base}-{ver}", "vertex id")
        add(None, base, "vertex id")
        name = base

    if name.endswith("-latest"):
        add(hint, name[: -len("-latest")], "-latest alias")

    if _BEDROCK_REGION.match(name) or name.startswith(_BEDROCK_VENDORS):
        add(hint or "aws", name, "bedrock id")
        bare = _BEDROCK_REGION.sub("", name)
        bare = bare.partition(".")[2]
        bare = _BEDROCK_VERSION.sub("", bare)
        if bare:
            add(None, bare, "bedrock id")
            name = bare

    m = _DATE_SUFFIX.search(name)
    if m:
        add(hint, name[: m.start()], "dated snapshot")
    return out
