"""Image helpers (``extractors/imaging.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from extractors import imaging

# the grey levels of a 300-dpi mail-room scan of a form (a tinted table, specks), as counts
HISTOGRAM = Path(__file__).parent / "data" / "otsu_histogram_scan.json"


def test_otsu_splits_ink_from_paper_on_a_mostly_white_page() -> None:
    rng = np.random.default_rng(1)
    page = rng.normal(245, 4, (400, 400))
    page[100:110, 50:350] = rng.normal(40, 10, (10, 300))  # a line of type, 2 % of the page
    gray = np.clip(page, 0, 255).astype(np.uint8)
    t = imaging.otsu_threshold(gray)
    # between the two modes, not at the top of the scale (a crumb of rounding over an
    # empty class once won there: 255)
    assert 60 < t < 230


def test_otsu_of_a_real_scan_is_between_type_and_paper() -> None:
    counts = json.loads(HISTOGRAM.read_text())
    gray = np.repeat(np.arange(256, dtype=np.uint8), counts).reshape(1, -1)
    # the rounding of an empty class's mean once divided a crumb by zero: 255
    assert 120 < imaging.otsu_threshold(gray) < 200


def test_otsu_of_a_single_level_is_neutral() -> None:
    assert imaging.otsu_threshold(np.full((10, 10), 200, dtype=np.uint8)) == 128
    assert imaging.otsu_threshold(np.array([[0, 255]], dtype=np.uint8)) == 0
