"""The certificate PDF: the same bytes for the same record, the cleanups anonymised, what is certified said."""

import hashlib
import re
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from ecopulse.certificates import PdfCertificates, place_of
from ecopulse.impact import CreditRequest, Retirement, cleanups_hash
from tests.unit.impact_fakes import an_entry

ENTRIES = [an_entry("3f0c2a1e-0000-4000-8000-000000000001", 2), an_entry("3f0c2a1e-0000-4000-8000-000000000002", 5)]
IDS = tuple(entry.submission_id for entry in ENTRIES)
REQUEST = CreditRequest(
    tenant="lahore", request_id="6f1c1a54-2b8e-4c1e-9d2a-3b4c5d6e7f80", sponsor_id="acme", organisation="Acme Ltd",
    credits=4, zone_id="old-town", period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), sponsor_wallet=None,
    price_per_credit=Decimal("1.50"), currency="EUR", total_price=Decimal("6.00"), status="issued",
    created_at=datetime(2026, 3, 1, tzinfo=UTC), cleanups=IDS, cleanups_hash=cleanups_hash(IDS),
)  # fmt: skip
RETIREMENT = Retirement(
    REQUEST.request_id, "0x" + "00" * 20, 4, cleanups_hash(IDS), "0x" + "ab" * 32, 42, datetime(2026, 3, 2, tzinfo=UTC)
)


def text_of(pdf: bytes) -> str:
    """The text the pages draw: fpdf2 writes it as Latin-1 strings in Flate-compressed content streams."""
    streams = [zlib.decompress(body) for body in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)]
    drawn = [part for stream in streams for part in re.findall(rb"\((.*?)(?<!\\)\) ?Tj", stream, re.S)]
    return " ".join(part.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for part in drawn)


def test_the_same_record_renders_the_same_bytes():
    first = PdfCertificates("0x" + "cd" * 20, 31337).render(REQUEST, ENTRIES, RETIREMENT)
    again = PdfCertificates("0x" + "cd" * 20, 31337).render(
        replace(REQUEST, certificate_sha256="x"), ENTRIES, RETIREMENT
    )
    assert first.startswith(b"%PDF") and hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    other = replace(RETIREMENT, tx_hash="0x" + "ef" * 32)
    assert PdfCertificates().render(REQUEST, ENTRIES, other) != PdfCertificates().render(REQUEST, ENTRIES, RETIREMENT)


def test_the_certificate_lists_the_cleanups_rounded_and_says_what_it_certifies():
    shown = text_of(PdfCertificates().render(REQUEST, ENTRIES, RETIREMENT))
    for expected in ("Acme Ltd", "4 impact credits", "ab" * 32, IDS[0], "31.520, 74.359", "not a carbon credit"):
        assert expected in shown, expected
    assert "31.52041" not in shown and "Photos are not shown" in shown


def test_a_place_is_rounded_to_about_a_hundred_metres_and_an_unknown_one_said_so():
    assert place_of(ENTRIES[0]) == "31.520, 74.359"
    assert place_of(replace(ENTRIES[0], lat=None, lng=None)) == "not recorded"
