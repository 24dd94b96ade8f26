"""Real-world PDFs nobody on the project wrote (py-pdf sample files, qpdf's damaged and
hostile PDFs): none is a convention, so each gives documents of type ``other`` or a clean
``ExtractionError`` — never a crash, never a hang. Scanned-looking pages are OCR'd, so the
whole set runs in a child process with a time limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "pdf-samples"

_RUNNER = r"""
import json, sys, time
from pathlib import Path
from extractors import ExtractionError, extract_file
from extractors.limits import Limits
# robustness, not reading: pages without a text layer are OCR'd at a low resolution
limits = Limits(ocr_dpi=int(sys.argv[1]))
out = {}
for name in sys.argv[2:]:
    path = Path(name)
    t = time.perf_counter()
    try:
        docs = extract_file(path.read_bytes(), filename=path.name, limits=limits)
        out[path.name] = {"types": sorted({d.type for d in docs})}
    except ExtractionError as exc:
        out[path.name] = {"error": exc.code, "message": exc.message_fr}
    out[path.name]["seconds"] = round(time.perf_counter() - t, 2)
print(json.dumps(out))
"""


def _run(paths: list[Path], timeout: float, dpi: int = 72) -> dict[str, dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(dpi), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


CLEAN_CODES = {"corrupt", "encrypted", "empty", "not_supported", "too_many_pixels"}


def _check(results: dict[str, dict[str, object]]) -> None:
    for name, res in results.items():
        if "error" in res:
            assert res["error"] in CLEAN_CODES, name
            msg = str(res["message"])
            assert msg and msg[0].isupper() and msg.endswith("."), (name, msg)
        else:
            assert res["types"] == ["other"], (name, res)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared pdf-samples not available")
def test_sample_files_are_other_or_clean_errors() -> None:
    paths = sorted(SAMPLES.glob("*.pdf"))
    assert len(paths) >= 20
    results = _run(paths, timeout=240)
    _check(results)
    password = "005-libreoffice-writer-password_libreoffice-writer-password.pdf"
    assert results[password]["error"] == "encrypted"
    # text-layer samples are read without OCR: fast
    assert float(results["009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"]["seconds"]) < 30


@pytest.mark.skipif(not (SAMPLES / "malformed").is_dir(), reason="malformed samples not available")
def test_malformed_files_never_crash_nor_hang() -> None:
    paths = sorted((SAMPLES / "malformed").glob("*.pdf"))
    assert len(paths) >= 50
    results = _run(paths, timeout=400)
    assert set(results) == {p.name for p in paths}
    _check(results)
    assert results["bad1.pdf"]["error"] in {"not_supported", "corrupt"}
