"""Rewrite the formats table in README.md (between the FORMATS markers) from the format registry."""

from pathlib import Path

from llmcost import ingest

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- FORMATS:START -->", "<!-- FORMATS:END -->"


def table() -> str:
    rows = ["| format | what it is | how you get it |", "|---|---|---|"]
    for name, ing in ingest.registry().items():
        obtain = " ".join(ing.obtain.split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {ing.title.replace('|', '/')} | {obtain} |")
    return "\n".join(rows)


if __name__ == "__main__":
    text = README.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table()}\n{END}{tail}")
