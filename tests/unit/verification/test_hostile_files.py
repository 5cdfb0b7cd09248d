"""The hostile-files corpus: each file refused with its code and a plain reason, all of them within the verify
function's memory and in seconds; and the odd-but-sound photos accepted."""

import json
import resource
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.image import PhotoRejected, load_photo
from ecopulse.verification.service import DEFAULT_POLICY, PhotoContext, verify_photo
from tests.conftest import ROOT
from tests.hostile_files import hostile_files, tolerated_files
from tests.unit.verification.conftest import MODEL_DIR
from tests.unit.verification.test_service import MemoryDuplicateIndex

CORPUS = hostile_files()
REFUSAL_CODES = {"size", "type", "pixels", "shape", "animated", "colour", "depth", "corrupt"}
FUNCTION_MEMORY = 1024 << 20  # the verify function's MemorySize in template.yaml
PEAK_RSS_LIMIT_MB = 400
VERIFIED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CONTEXT = PhotoContext("lahore", "alice", "sub-00000001", "uploads/lahore/alice/sub-00000001/after.jpg", VERIFIED)


def refuse_the_corpus_within_the_functions_memory() -> None:
    """Run in a child process, so that the address-space limit binds the child alone: the classifier loaded
    as the function loads it, then every file. Prints the refusal codes and peak memory as JSON."""
    resource.setrlimit(resource.RLIMIT_AS, (FUNCTION_MEMORY, FUNCTION_MEMORY))
    # A child's peak RSS starts at its parent's (the fork copies it, exec keeps it): start counting afresh.
    Path("/proc/self/clear_refs").write_text("5")
    classifier = WasteClassifier(MODEL_DIR)
    ready_mb = _peak_rss_mb()
    codes = {}
    for case in CORPUS:
        try:
            verify_photo(case.data, CONTEXT, classifier, MemoryDuplicateIndex(), lambda: VERIFIED)
        except PhotoRejected as refusal:
            codes[case.name] = refusal.code
    print(json.dumps({"codes": codes, "ready_mb": ready_mb, "peak_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """VmHWM, the peak resident set since the last reset (getrusage's ru_maxrss cannot be reset)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def test_the_corpus_has_every_kind_of_refusal_and_no_name_twice():
    codes = Counter(case.expected_code for case in CORPUS)
    assert len(CORPUS) >= 35 and set(codes) == REFUSAL_CODES
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
def test_each_hostile_file_is_refused_with_its_code_and_a_plain_reason(case, classifier):
    with pytest.raises(PhotoRejected) as loaded:
        load_photo(case.data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels)
    duplicates = MemoryDuplicateIndex()
    with pytest.raises(PhotoRejected) as verified:
        verify_photo(case.data, CONTEXT, classifier, duplicates, lambda: VERIFIED)

    reason = str(loaded.value)
    assert loaded.value.code == case.expected_code, reason
    assert (verified.value.code, str(verified.value)) == (case.expected_code, reason)
    assert duplicates.records == {}
    assert reason.strip() and "\n" not in reason
    assert "Traceback" not in reason and " at 0x" not in reason, "a reason is for the citizen, not a debugger"


def test_the_whole_corpus_is_refused_within_the_functions_memory_and_a_minute():
    completed = subprocess.run(
        [sys.executable, "-c", f"import {__name__} as suite; suite.refuse_the_corpus_within_the_functions_memory()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.splitlines()[-1])
    assert outcome["codes"] == {case.name: case.expected_code for case in CORPUS}
    assert outcome["peak_mb"] < PEAK_RSS_LIMIT_MB, outcome
    assert outcome["peak_mb"] - outcome["ready_mb"] < 64, "refusing a file must cost next to nothing"


@pytest.mark.parametrize("case", tolerated_files(), ids=lambda case: case.name)
def test_a_sound_photo_with_an_odd_trailer_or_broken_exif_is_accepted_and_its_exif_read_leniently(case):
    photo = load_photo(case.data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels)
    assert photo.size == (240, 160) and photo.image.mode == "RGB"
    assert (photo.exif.present, photo.exif.camera) == (case.exif_present, case.camera)
