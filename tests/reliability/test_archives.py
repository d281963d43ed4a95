"""Archives: a .zip, .tar or .gz cannot write outside its folder, and a decompression bomb is refused.

Limits (llmcost.ingest.files, docs/reliability.md): a .zip member or .gz file may expand to at most
MAX_MEMBER_BYTES (8 GiB), and beyond SMALL_EXPANSION (10 MiB) to at most MAX_RATIO (200) times its
compressed size; a whole .zip to at most MAX_ARCHIVE_BYTES (32 GiB).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.ingest import files as walkmod
from llmcost.ingest.loader import load
from llmcost.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "ingest" / "openai_response_jsonl" / "input.jsonl"


def _ingest(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["ingest", *args])
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")


def _rows(store: Path) -> int:
    return Store.open(store).connect().execute("SELECT count(*) FROM usage").fetchone()[0]


def test_zip_slip_members_are_refused_and_nothing_lands_outside(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    for i, evil in enumerate(["../escaped.jsonl", "/tmp/abs-escaped.jsonl", "..\\..\\escaped-win.jsonl",
                              "ok/../../escaped2.jsonl", "C:/escaped-drive.jsonl"]):
        folder = tmp_path / f"in{i}"
        folder.mkdir()
        archive = folder / "logs.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("good.jsonl", data)
            zf.writestr(evil, data)
        code, out = _ingest(str(archive), "--store", str(tmp_path / f"s{i}"))
        assert code == 1, out
        assert "zip-slip" in out and "refused" in out and "Fix:" in out, out
    names = {p.name for p in tmp_path.rglob("*escaped*")} | {p.name for p in Path("/tmp").glob("abs-escaped*")}
    assert not names, names


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("fine.jsonl", SAMPLE.read_bytes())
        zf.writestr("zeros.jsonl", b"\n" * (40 * 1024**2))  # 40 MiB from about 40 KB: ratio ~1000
    assert archive.stat().st_size < 200_000
    code, out = _ingest(str(archive), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "decompression bomb" in out and "refused" in out and "200x" in out, out


def test_zip_member_lying_about_its_size_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.jsonl", b"x" * 100_000)
    raw = bytearray(buf.getvalue())
    # shrink the declared size in the central directory: the streamed copy must stop at it
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (1000).to_bytes(4, "little")
    archive = tmp_path / "liar.zip"
    archive.write_bytes(bytes(raw))
    code, out = _ingest(str(archive), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "refused" in out or "cannot be read" in out, out


def test_damaged_zip_fails_with_a_message(tmp_path: Path) -> None:
    good = tmp_path / "ok.zip"
    with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.jsonl", SAMPLE.read_bytes() * 20)
    raw = bytearray(good.read_bytes())
    raw[60:90] = b"\x00" * 30  # inside the deflate stream
    bad = tmp_path / "in" / "damaged.zip"
    bad.parent.mkdir()
    bad.write_bytes(bytes(raw))
    code, out = _ingest(str(bad), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "Warning:" in out and "cannot be read" in out and "Fix:" in out, out
    assert "Traceback" not in out


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * (60 * 1024**2), 9))  # 60 MiB from about 60 KB
    assert bomb.stat().st_size < 200_000
    code, out = _ingest(str(bomb), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "decompression bomb" in out and "refused" in out and "Fix:" in out, out


def test_gzip_bomb_with_a_forged_size_trailer_is_refused(tmp_path: Path) -> None:
    raw = bytearray(gzip.compress(b"\n" * (60 * 1024**2), 9))
    raw[-4:] = (100).to_bytes(4, "little")  # ISIZE says 100 bytes: only the streaming guard sees the truth
    bomb = tmp_path / "liar.jsonl.gz"
    bomb.write_bytes(bytes(raw))
    result = load([bomb], tmp_path / "s")
    (f,) = result.files
    assert f.status == "failed" and "decompression bomb" in (f.message or ""), f


def test_gzip_limit_scales_with_size_and_caps() -> None:
    # the documented limits (docs/reliability.md): 10 MiB for small files, 200 times the compressed
    # size above that, never past 8 GiB
    assert walkmod.expansion_limit(1000) == 10 * 1024**2
    assert walkmod.expansion_limit(10**7) == 2_000_000_000  # 200 x 10 MB, between the floor and the cap
    assert walkmod.expansion_limit(10**12) == 8 * 1024**3


def test_plain_and_multi_member_gzip_ingest_like_the_plain_file(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "plain.jsonl").write_bytes(data)
    (tmp_path / "b").mkdir()
    lines = data.splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "b" / "multi.jsonl.gz").write_bytes(
        gzip.compress(b"".join(lines[:half])) + gzip.compress(b"".join(lines[half:]))
    )
    ra = load([tmp_path / "a"], tmp_path / "sa")
    rb = load([tmp_path / "b"], tmp_path / "sb")
    assert [f.status for f in rb.files] == ["ingested"], rb.files
    assert ra.files[0].rows_stored == rb.files[0].rows_stored > 0
    assert _rows(tmp_path / "sa") == _rows(tmp_path / "sb")


def test_cut_off_gzip_fails_with_its_own_message_and_the_good_file_still_lands(tmp_path: Path) -> None:
    """A .gz cut short (an interrupted download, or a file still being written when cron runs) is
    named as such, not as a bomb: its last four bytes are compressed data, not the size trailer."""
    whole = gzip.compress(SAMPLE.read_bytes() * 200, 6)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "cut.jsonl.gz is cut off: its gzip data stops before the end marker" in out, out
    assert "Fix: copy or download it again." in out and "bomb" not in out, out
    assert _rows(tmp_path / "s") == load([folder / "good.jsonl"], tmp_path / "s2").files[0].rows_stored > 0


def test_inflated_size_tells_complete_from_cut_off(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    cases = {
        "whole": (gzip.compress(data), len(data), True),
        "two members": (gzip.compress(data) + gzip.compress(data), 2 * len(data), True),
        "second member cut": (gzip.compress(data) + gzip.compress(data)[:-8], None, False),
        "zero padding after the end": (gzip.compress(data) + b"\0" * 512, len(data), True),
    }
    for name, (raw, size, complete) in cases.items():
        path = tmp_path / f"{name}.gz"
        path.write_bytes(raw)
        got_size, got_complete = walkmod._inflated_size(path, 10**9)
        assert got_complete is complete, name
        if size is not None:
            assert got_size == size, name


def test_damaged_gzip_fails_with_its_own_message_and_the_good_files_still_land(tmp_path: Path) -> None:
    """A .gz whose data is broken fails with a message saying so (never a traceback, never "no
    known format"), and the other files of the run still land: a gzip header followed by garbage,
    a member whose text does not match its CRC (a bit flipped in its trailer), and a file named
    .gz that holds no gzip data and reads as no format."""
    import random

    rnd = random.Random(20261205)
    noise = bytes(rnd.getrandbits(8) for _ in range(3000))
    whole = bytearray(gzip.compress(SAMPLE.read_bytes() * 400, 6))
    whole[-8] ^= 0x01  # the CRC-32 of the text (RFC 1952), first byte
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "header then noise.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + noise)
    (folder / "overwritten.jsonl.gz").write_bytes(bytes(whole))
    (folder / "no gzip at all.jsonl.gz").write_bytes(noise)
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "Traceback" not in out and "formats` lists the" not in out, out
    flat = " ".join(out.split())
    for name in ("header then noise.jsonl.gz", "overwritten.jsonl.gz"):
        assert f"{name} is damaged: its gzip data does not inflate" in flat, out
    assert "no gzip at all.jsonl.gz is named as gzip but holds no gzip data" in flat, out
    assert flat.count("Fix: copy or download it again") >= 3, out
    assert "3 failed" in flat, out
    assert _rows(tmp_path / "s") == load([folder / "good.jsonl"], tmp_path / "s2").files[0].rows_stored > 0


def test_inflated_size_tells_damage_from_trailing_bytes(tmp_path: Path) -> None:
    """Broken data inside the first member is damage (GzipDamaged, with the text inflated before
    it); bytes that do not inflate after a complete member are trailing bytes, ignored as gzip
    tools ignore them."""
    import pytest

    data = SAMPLE.read_bytes() * 400
    whole = bytearray(gzip.compress(data, 6))
    whole[-8] ^= 0x01  # the CRC-32 no longer matches the text
    (tmp_path / "damaged.gz").write_bytes(bytes(whole))
    with pytest.raises(walkmod.GzipDamaged) as err:
        walkmod._inflated_size(tmp_path / "damaged.gz", 10**9)
    assert 0 <= err.value.inflated < len(data)
    (tmp_path / "trailing.gz").write_bytes(gzip.compress(data) + b"not gzip at all")
    assert walkmod._inflated_size(tmp_path / "trailing.gz", 10**9) == (len(data), True)


def test_a_zip_that_is_no_archive_and_a_file_of_blank_lines_say_what_they_are(tmp_path: Path) -> None:
    """Neither gets "no known format matches": a .zip that is no zip archive (text, or a zip cut
    off before its directory) fails as damaged or renamed; a file of blank lines is unrecognised
    because it holds no data. The good file of the run still lands."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "renamed.zip").write_text("not a zip at all\n")
    (folder / "cut.zip").write_bytes(b"PK\x03\x04" + b"\0" * 40)  # a local header, no directory
    (folder / "blank.jsonl").write_text("\n\n   \n\t\n")
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    flat = " ".join(out.split())
    assert "Traceback" not in out and "formats` lists the" not in flat, out
    for name in ("renamed.zip", "cut.zip"):
        assert f"{name} is named as a zip archive but is not one" in flat, out
    assert "blank.jsonl holds only blank lines: no data to read" in flat, out
    assert "2 failed" in flat and "1 unrecognised" in flat, out
    assert _rows(tmp_path / "s") > 0


def test_zip_members_whose_paths_clash_each_land(tmp_path: Path) -> None:
    # Members are extracted with their folders (so siblings meet, as on disk); a member "a" beside
    # a member "a/b.jsonl" cannot both be a file and a folder, and two names can become alike once
    # made safe for DuckDB ("x?.jsonl" and "x*.jsonl" both read "x_.jsonl"). Each still lands in a
    # folder of its own. The fixture's expected.jsonl: 10 rows read, 5 stored, 1 duplicate and 4
    # quarantined; the same file four times adds its 5 stored rows once and 15 more duplicates.
    data = SAMPLE.read_bytes()
    archive = tmp_path / "in" / "logs.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("a", "a/b.jsonl", "x?.jsonl", "x*.jsonl"):
            zf.writestr(name, data)
    code, out = _ingest(str(archive.parent), "--store", str(tmp_path / "s"))
    assert code == 0, out
    assert "4 ingested" in out and "0 failed" in out, out
    assert "40 rows read = 5 stored + 19 duplicate + 16 quarantined" in out, out
    assert _rows(tmp_path / "s") == 5


def test_a_spreadsheet_says_it_is_one_and_how_to_export_csv(tmp_path: Path) -> None:
    """An Excel .xlsx and an OpenDocument .ods are zip archives of XML parts: each part was "no known
    format" (two warnings for a workbook of two parts, none saying it is a workbook); an old .xls was
    "no known format". Each now fails once with what it is and how to save CSV. The good file lands."""
    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "cost export.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with zipfile.ZipFile(folder / "usage.ods", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    (folder / "old.xls").write_bytes(walkmod.OLE2_MAGIC + b"\0" * 504)
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    flat = " ".join(out.split())
    assert "Traceback" not in out and "no known format" not in flat, out
    for name, kind in (("cost export.xlsx", "an Excel workbook"), ("usage.ods", "an OpenDocument spreadsheet"),
                       ("old.xls", "an Excel 97-2003 workbook (.xls)")):
        assert f"{folder / name} is {kind}, which llmcost-forecast does not read. Fix: save each sheet" in flat, out
    assert "1 ingested" in flat and "3 failed" in flat, out
    assert _rows(tmp_path / "s") > 0


def _stored(store: Path) -> list[tuple[object, ...]]:
    """The rows a store holds, where they came from left out (an archive member is `tar!name`)."""
    con = Store.open(store).connect()
    return sorted(con.execute("SELECT * EXCLUDE (source_file) FROM usage").fetchall(), key=repr)


def _tree(root: Path) -> Path:
    """Two fixtures, one in a subfolder with an odd name, as a user tars a log folder."""
    fixtures = REPO / "tests" / "fixtures" / "ingest"
    (root / "logs" / "app ü").mkdir(parents=True)
    (root / "logs" / "app ü" / "openai.jsonl").write_bytes(SAMPLE.read_bytes())
    (root / "logs" / "anthropic.jsonl").write_bytes((fixtures / "anthropic_message_jsonl" / "input.jsonl").read_bytes())
    return root / "logs"


def test_a_tar_archive_plain_or_compressed_is_read_as_its_folder(tmp_path: Path) -> None:
    """`tar cf`, `tar czf`, `tar cjf`, `tar cJf` and `tar --zstd -cf` of a log folder store what the folder stores.
    Before, a tar was read as text: each member's first line glued to its header, quarantined."""
    import tarfile

    folder = _tree(tmp_path / "src")
    plain = load([folder], tmp_path / "s-folder")
    want = _stored(tmp_path / "s-folder")
    assert want and [f.status for f in plain.files] == ["ingested", "ingested"]
    for mode, name in (("w", "logs.tar"), ("w:gz", "logs.tgz"), ("w:bz2", "logs.tar.bz2"), ("w:xz", "logs.tar.xz"),
                       ("w", "export-no-extension")):
        out = tmp_path / "in" / name
        out.parent.mkdir(exist_ok=True)
        with tarfile.open(out, mode) as tf:  # type: ignore[call-overload]
            tf.add(folder, arcname="logs")
        res = load([out], tmp_path / f"s-{name}")
        assert sorted((Path(f.path.split("!")[-1]).name, f.status) for f in res.files) == [
            ("anthropic.jsonl", "ingested"), ("openai.jsonl", "ingested")], (name, res.files)
        assert all(f.path.startswith(str(out) + "!") for f in res.files), res.files
        assert [(f.rows_read, f.rows_stored, f.rows_quarantined) for f in sorted(res.files, key=lambda f: f.path)] \
            == [(f.rows_read, f.rows_stored, f.rows_quarantined) for f in sorted(plain.files, key=lambda f: f.path)]
        assert _stored(tmp_path / f"s-{name}") == want, name
        out.unlink()
    # `tar --zstd -cf`: tarfile does not read zstd, so the archive is decompressed first
    import pyarrow as pa

    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tf:
        tf.add(folder, arcname="logs")
    zst = tmp_path / "in" / "logs.tar.zst"
    with pa.CompressedOutputStream(str(zst), "zstd") as out_zst:
        out_zst.write(plain.read_bytes())
    res = load([zst], tmp_path / "s-zst")
    assert sorted(Path(f.path.split("!")[-1]).name for f in res.files if f.status == "ingested") == [
        "anthropic.jsonl", "openai.jsonl"], res.files
    assert _stored(tmp_path / "s-zst") == want


def test_a_tar_member_outside_the_archive_or_a_link_is_not_extracted(tmp_path: Path) -> None:
    import tarfile

    data = SAMPLE.read_bytes()
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tf:
        for name in ("good.jsonl", "../escaped.jsonl"):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    code, out = _ingest(str(archive), "--store", str(tmp_path / "s"))
    assert code == 1 and "zip-slip" in out and "refused" in out, out
    assert not list(tmp_path.rglob("escaped*"))
    linked = tmp_path / "links.tar"
    with tarfile.open(linked, "w") as tf:
        info = tarfile.TarInfo("good.jsonl")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("passwd.jsonl")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    res = load([linked], tmp_path / "s2")
    assert [(Path(f.path.split("!")[-1]).name, f.status) for f in res.files] == [("good.jsonl", "ingested")]


def test_a_tar_bomb_and_a_damaged_tar_are_refused_and_the_good_file_lands(tmp_path: Path) -> None:
    import tarfile

    folder = tmp_path / "in"
    folder.mkdir()
    bomb = folder / "bomb.tar.gz"
    zeros = b"\n" * (40 * 1024**2)  # 40 MiB of newlines: about 40 KB gzip'd, ratio ~1000
    with tarfile.open(bomb, "w:gz") as tf:
        info = tarfile.TarInfo("zeros.jsonl")
        info.size = len(zeros)
        tf.addfile(info, io.BytesIO(zeros))
    assert bomb.stat().st_size < 200_000
    whole = folder / "whole.tar.gz"
    with tarfile.open(whole, "w:gz") as tf:
        tf.add(SAMPLE, arcname="a.jsonl")
    cut = whole.read_bytes()
    (folder / "cut.tar.gz").write_bytes(cut[: len(cut) // 2])
    whole.unlink()
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    assert "bomb.tar.gz: archive member 'zeros.jsonl' expands to" in out and "decompression bomb" in out, out
    assert "cut.tar.gz: the archive cannot be read" in out and "Fix:" in out, out
    assert _rows(tmp_path / "s") == load([folder / "good.jsonl"], tmp_path / "s2").files[0].rows_stored > 0


def test_bzip2_and_xz_files_are_read_as_the_plain_file(tmp_path: Path) -> None:
    """A rotated log compressed with bzip2 or xz (`logrotate` with `compresscmd`) stores what the
    plain file stores; before, each was "no known format". One cut short fails with its reason."""
    import bz2
    import lzma

    data = SAMPLE.read_bytes()
    load([SAMPLE], tmp_path / "s-plain")
    want = _stored(tmp_path / "s-plain")
    for name, packed in (("a.jsonl.bz2", bz2.compress(data)), ("a.jsonl.xz", lzma.compress(data)),
                         ("two-streams.bz2", bz2.compress(data[:500]) + bz2.compress(data[500:]))):
        (tmp_path / name).write_bytes(packed)
        res = load([tmp_path / name], tmp_path / f"s-{name}")
        assert [f.status for f in res.files] == ["ingested"], res.files
        assert _stored(tmp_path / f"s-{name}") == want, name
    for name, packed in (("cut.jsonl.bz2", bz2.compress(data)), ("cut.jsonl.xz", lzma.compress(data))):
        (tmp_path / "cut").mkdir(exist_ok=True)
        (tmp_path / "cut" / name).write_bytes(packed[: len(packed) // 2])
    code, out = _ingest(str(tmp_path / "cut"), "--store", str(tmp_path / "s-cut"))
    assert code == 1, out
    assert "cut.jsonl.bz2 is damaged or cut off: its bzip2 data does not decompress" in out, out
    assert "cut.jsonl.xz is damaged or cut off: its xz data does not decompress" in out, out
    assert "bzip2 -t" in out and "xz -t" in out, out


def test_an_archive_skips_what_a_walked_folder_skips(tmp_path: Path) -> None:
    """A zip made by macOS's "Compress" holds `__MACOSX/._name` resource forks; a tarred project
    holds a README, scripts and hidden files. A walked folder skips them silently; so does an
    archive, which is read as its folder (each was a "no known format" warning and exit 1)."""
    import tarfile

    data = SAMPLE.read_bytes()
    junk = {"__MACOSX/logs/._app.jsonl": b"\x00\x05\x16\x07", "logs/README.md": b"# logs",
            "logs/tools/gen.py": b"print(1)", "logs/.DS_Store": b"\x00\x00", "logs/LICENSE": b"MIT"}
    zipped = tmp_path / "in" / "logs.zip"
    zipped.parent.mkdir()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("logs/app.jsonl", data)
        for name, body in junk.items():
            zf.writestr(name, body)
    tarred = tmp_path / "in" / "logs.tar.gz"
    with tarfile.open(tarred, "w:gz") as tf:
        for name, body in {"logs/app.jsonl": data, **junk}.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    for archive in (zipped, tarred):
        code, out = _ingest(str(archive), "--store", str(tmp_path / f"s-{archive.name}"))
        assert code == 0, out
        assert "no known format" not in out and "1 ingested" in out, out


def test_a_7z_rar_or_lz4_file_says_what_it_is_and_how_to_unpack_it(tmp_path: Path) -> None:
    """Archives Python cannot open are named with the command that unpacks them (each was "no
    known format"); the good file of the run lands."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "logs.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(256)) * 8)
    (folder / "logs.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(range(256)) * 8)
    (folder / "log.jsonl.lz4").write_bytes(b"\x04\x22\x4d\x18\x64\x40\xa7" + bytes(range(256)) * 8)
    (folder / "good.jsonl").write_bytes(SAMPLE.read_bytes())
    code, out = _ingest(str(folder), "--store", str(tmp_path / "s"))
    assert code == 1, out
    for name, kind, command in (("logs.7z", "a 7-Zip archive", "7z x"), ("logs.rar", "a RAR archive", "unrar x"),
                                ("log.jsonl.lz4", "an LZ4-compressed file", "lz4 -d")):
        assert f"{name} is {kind}, which llmcost-forecast does not unpack. Fix: unpack it (`{command} " in out, out
    assert "no known format" not in out, out
    assert _rows(tmp_path / "s") == load([folder / "good.jsonl"], tmp_path / "s2").files[0].rows_stored > 0
