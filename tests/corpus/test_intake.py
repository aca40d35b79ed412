"""Intake refuses what is not a plan before reading it, and reads within the size limit."""

import os
from pathlib import Path

import pytest

from corpus.documents import read_plan, scan_folder
from corpus.errors import CorpusError
from corpus.intake import check_file, read_bytes

PLAN = "# 第1次山田市DX推進計画\n## 第1章 はじめに\n山田市はコンビニ交付を始めます。\n"


@pytest.fixture
def odd(tmp_path):
    """A folder holding one of each kind of thing that is not a plan, and one plan."""
    (tmp_path / "plan.md").write_text(PLAN, encoding="utf-8")
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "secret.txt").symlink_to("/etc/hostname")  # a readable file without a plan's extension
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    return tmp_path


@pytest.mark.parametrize("name, reason", [
    ("fifo.txt", "FIFO"), ("zero.txt", "character device"), ("loop.txt", "symbolic link"),
    ("gone.md", "symbolic link"), ("folder.md", "a folder"), ("secret.txt", "no file extension"),
    ("notes.docx", ".docx file"),
])
def test_what_is_not_a_plan_is_refused_before_reading(odd, name, reason):
    with pytest.raises(CorpusError, match=reason) as caught:
        read_plan(odd / name)  # a FIFO would block here, /dev/zero would fill memory
    assert name in str(caught.value)


def test_devices_and_files_without_a_plan_type_are_refused_by_absolute_path():
    for path, reason in (("/dev/zero", "character device"), ("/etc/passwd", "no file extension")):
        with pytest.raises(CorpusError, match=reason):
            check_file(Path(path))


def test_a_corpus_folder_names_every_entry_it_leaves_out(odd):
    docs, skipped = scan_folder(odd)
    assert [d.doc_id for d in docs] == ["plan.md"]
    names = {Path(s.path).name for s in skipped}
    assert names == {"fifo.txt", "zero.txt", "loop.txt", "gone.md", "folder.md", "secret.txt", "notes.docx"}


def test_a_symlink_to_a_plan_is_read_like_the_plan(tmp_path):
    (tmp_path / "real.md").write_text(PLAN, encoding="utf-8")
    (tmp_path / "link.md").symlink_to(tmp_path / "real.md")
    assert read_plan(tmp_path / "link.md").text == read_plan(tmp_path / "real.md").text
    assert "山田市はコンビニ交付を始めます。" in read_plan(tmp_path / "link.md").text


def test_reading_stops_at_the_limit_even_when_the_size_says_less(tmp_path, monkeypatch):
    # files under /proc, or a file that grows while read, report less than they hold:
    # the limit must hold while reading, not only from the size the file system reports
    import types

    from corpus import intake

    big = tmp_path / "grows.txt"
    big.write_bytes(b"a" * 5000)
    real_fstat = os.fstat
    monkeypatch.setattr(intake.os, "fstat", lambda fd: types.SimpleNamespace(st_mode=real_fstat(fd).st_mode, st_size=0))
    with pytest.raises(CorpusError, match="while being read"):
        read_bytes(big, max_bytes=1000)


def test_a_file_over_the_limit_is_refused_from_its_size(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(CorpusError, match="over the 0.001 MB limit"):
        read_bytes(big, max_bytes=1000)
    assert read_bytes(big, max_bytes=2000) == b"a" * 2000


def test_a_one_line_plan_of_two_megabytes_gets_a_bounded_title(tmp_path):
    line = ("山田市の地域情報化計画では、コンビニ交付サービスを導入し、行政手続のオンライン化を進めます" * 20000)[:690_000]
    path = tmp_path / "oneline.txt"
    path.write_text(line, encoding="utf-8")
    doc = read_plan(path)
    assert doc.city == "山田市" and len(doc.title) <= 200 and len(doc.text) == len(line)


def test_metadata_given_on_the_command_line_wins_and_is_capped(tmp_path):
    path = tmp_path / "untitled.txt"
    path.write_text("見出しも自治体の名前もない本文です。" * 3, encoding="utf-8")
    with pytest.raises(CorpusError, match="--city"):
        read_plan(path)
    doc = read_plan(path, {"city": "架空町", "title": "題" * 500, "prefecture": "北海道"})
    assert (doc.city, doc.prefecture, len(doc.title)) == ("架空町", "北海道", 200)
