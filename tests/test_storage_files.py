"""The content-addressed file store."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from storage.files import FileMissingError, FileStore, InvalidSha256Error


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def test_put_read_layout_and_idempotence(store: FileStore) -> None:
    data = b"%PDF-1.7 convention e-primo"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = store.path(sha)
    assert path == store.root / sha[:2] / sha[2:4] / sha
    assert store.exists(sha) and store.read(sha) == data and store.verify(sha)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0  # read-only
    inode = path.stat().st_ino
    assert store.put(data) == sha  # same bytes again: nothing rewritten
    assert path.stat().st_ino == inode
    assert sorted(p.name for p in store.root.rglob("*") if p.is_file()) == [sha]  # no temp left


def test_empty_and_binary_content(store: FileStore) -> None:
    assert store.read(store.put(b"")) == b""
    blob = bytes(range(256)) * 10
    assert store.read(store.put(bytearray(blob))) == blob


def test_put_file_streams_big_files(store: FileStore, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    chunk = os.urandom(1024 * 1024)
    with open(source, "wb") as fh:
        for _ in range(5):
            fh.write(chunk)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    sha = store.put_file(source)
    assert sha == expected and store.verify(sha)
    assert store.put_file(source) == sha
    assert source.exists()  # the source is left alone
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [sha]
    with store.open(sha) as fh:
        assert fh.read(10) == chunk[:10]


def test_put_file_of_missing_or_directory(store: FileStore, tmp_path: Path) -> None:
    with pytest.raises(FileMissingError):
        store.put_file(tmp_path / "nope.pdf")
    with pytest.raises(FileMissingError):
        store.put_file(tmp_path)


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "/" + "a" * 63,
        "a" * 62 + "/.",
        "",
        None,
        123,
    ],
)
def test_only_sha256_addresses(store: FileStore, bad: object) -> None:
    for call in (store.path, store.read, store.exists, store.verify):
        with pytest.raises(InvalidSha256Error):
            call(bad)  # type: ignore[arg-type]


def test_missing_file(store: FileStore) -> None:
    sha = "0" * 64
    assert not store.exists(sha)
    assert not store.verify(sha)
    with pytest.raises(FileMissingError):
        store.read(sha)


def test_verify_detects_corruption(store: FileStore) -> None:
    sha = store.put(b"original")
    path = store.path(sha)
    os.chmod(path, 0o600)
    path.write_bytes(b"tampered")
    assert not store.verify(sha)


def test_put_refuses_non_bytes(store: FileStore) -> None:
    with pytest.raises(TypeError):
        store.put("text")  # type: ignore[arg-type]


def test_concurrent_puts_of_the_same_bytes(store: FileStore) -> None:
    data = os.urandom(200_000)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(store.put(data))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert store.read(results[0]) == data
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == results[:1]
