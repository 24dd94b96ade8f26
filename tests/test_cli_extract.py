"""``intake extract``: the JSON contract of issue 3, bad files reported, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.model import COMMON_FIELDS, FIELD_NAMES
from samples import Manifest, generate

INTAKE = Path(sys.executable).with_name("intake")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(
        tmp_path_factory.mktemp("c"), scans=False, scenarios=["ecollectivites_email", "envelope"]
    )


def extract(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INTAKE), "extract", "--json", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_json_contract(corpus: Manifest, tmp_path: Path) -> None:
    mail = next(p for p, f in corpus.files.items() if f.kind == "mail" and f.documents)
    envelope = next(p for p, f in corpus.files.items() if f.kind != "mail" and len(f.documents) > 2)
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    (tmp_path / "empty.pdf").write_bytes(b"")
    result = extract(
        str(corpus.out_dir / envelope),
        str(corpus.out_dir / mail),
        "corrupt.pdf",
        "empty.pdf",
        "missing.pdf",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [r["file"] for r in report][2:] == ["corrupt.pdf", "empty.pdf", "missing.pdf"]
    for entry in report[:2]:
        assert entry["error"] is None and entry["documents"]
        for doc in entry["documents"]:
            assert set(doc) >= {"type", "pages", "fields", "confidence", "ocr"}
            names = {*FIELD_NAMES[doc["type"]], *COMMON_FIELDS}
            assert set(doc["fields"]) == names == set(doc["confidence"])
    types = [d["type"] for d in report[0]["documents"]]
    truth = [d.type for d in corpus.files[envelope].documents]
    assert types == truth
    assert all("attachment" in d for d in report[1]["documents"])
    for entry in report[2:]:
        assert entry["documents"] == [] and entry["error"]  # a French reason, not a crash


def test_roster_option(corpus: Manifest, tmp_path: Path) -> None:
    envelope = next(p for p, f in corpus.files.items() if f.kind != "mail" and len(f.documents) > 2)
    missing = extract("--roster", "absent.csv", str(corpus.out_dir / envelope), cwd=tmp_path)
    assert missing.returncode == 2 and "introuvable" in missing.stderr
    assert "Traceback" not in missing.stderr
    roster = str(corpus.out_dir / "roster.csv")
    given = extract("--roster", roster, str(corpus.out_dir / envelope), cwd=tmp_path)
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)[0]["documents"]
