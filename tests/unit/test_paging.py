"""Cursors are sealed: encrypted and signed for one listing, so that nothing in them can be read, and a cursor
altered, cut short, sealed with another secret or carried to another city or list is refused as invalid_cursor, never
a 500. The secret comes from Secrets Manager once per cold start."""

import base64
import json

import boto3
import pytest
from moto import mock_aws

from ecopulse import config, cursor_secret
from ecopulse.paging import CursorSealer, InvalidCursor
from ecopulse.store import pages

SEALER = CursorSealer(b"unit-test-cursor-secret-0123456789")
SCOPE = "gsi1|TENANT#lahore#REPORTS#submitted"
KEY = {
    "pk": {"S": "TENANT#lahore#REPORT#r-1"},
    "sk": {"S": "REPORT"},
    "gsi1pk": {"S": "TENANT#lahore#REPORTS#submitted"},
    "gsi1sk": {"S": "2026-12-06T09:41:17.123456+00:00#r-1"},
}


def raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def encoded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_sealed_cursor_opens_to_its_key_for_its_listing():
    cursor = SEALER.seal(KEY, SCOPE)
    assert cursor is not None and SEALER.open(cursor, SCOPE) == KEY
    assert SEALER.seal(None, SCOPE) is None and SEALER.open(None, SCOPE) is None


def test_a_cursor_shows_neither_the_key_nor_when_the_item_was_created():
    cursor = SEALER.seal(KEY, SCOPE)
    assert cursor is not None
    for secret in (b"TENANT", b"lahore", b"2026-12-06", b"REPORT"):
        assert secret not in raw(cursor)
    assert "TENANT" not in cursor and "lahore" not in cursor
    assert SEALER.seal(KEY, SCOPE) != cursor  # a fresh nonce each time: equal keys are not recognisable


def test_every_altered_byte_of_a_cursor_is_refused():
    sealed = raw(SEALER.seal(KEY, SCOPE) or "")
    for position in range(len(sealed)):
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        with pytest.raises(InvalidCursor):
            SEALER.open(encoded(bytes(altered)), SCOPE)


def test_a_cursor_cut_short_or_lengthened_is_refused():
    cursor = SEALER.seal(KEY, SCOPE) or ""
    for cut in (1, 2, 5, 17, len(cursor) // 2, len(cursor) - 1):
        with pytest.raises(InvalidCursor):
            SEALER.open(cursor[:cut], SCOPE)
    with pytest.raises(InvalidCursor):
        SEALER.open(cursor + "AA", SCOPE)


@pytest.mark.parametrize(
    "scope",
    [
        "gsi1|TENANT#karachi#REPORTS#submitted",  # another city
        "gsi1|TENANT#lahore#REPORTS#resolved",  # another list of the same city
        "gsi3|TENANT#lahore#REPORTS#submitted",  # another index
    ],
)
def test_a_cursor_of_another_listing_is_refused(scope):
    with pytest.raises(InvalidCursor):
        SEALER.open(SEALER.seal(KEY, SCOPE), scope)


def test_a_cursor_sealed_with_another_secret_is_refused():
    foreign = CursorSealer(b"another-deployment-secret-987654").seal(KEY, SCOPE)
    with pytest.raises(InvalidCursor):
        SEALER.open(foreign, SCOPE)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        "🙂",
        "A",
        "=" * 40,
        encoded(json.dumps(KEY).encode()),  # the old, readable form
        encoded(b"\x01" + b"\x00" * 80),
        encoded(b"\x02" + bytes(range(80))),
        "A" * 2048,
    ],
)
def test_hostile_cursors_are_invalid_not_errors(cursor):
    with pytest.raises(InvalidCursor):
        SEALER.open(cursor, SCOPE)


def test_a_secret_too_short_to_seal_with_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        CursorSealer(b"short")


class Results(list):
    """A pynamodb result iterator: its items and the key to continue from."""

    def __init__(self, items: list[str], last_evaluated_key: dict | None) -> None:
        super().__init__(items)
        self.last_evaluated_key = last_evaluated_key


class Index:
    class Meta:
        index_name = "gsi1"

    def __init__(self) -> None:
        self.asked: list[dict] = []

    def query(self, partition, condition, scan_index_forward, limit, last_evaluated_key):
        self.asked.append({"partition": partition, "start": last_evaluated_key})
        return Results(["a", "b"], KEY)


def test_a_listing_pages_with_a_sealed_cursor_and_refuses_another_citys(monkeypatch):
    monkeypatch.setattr(pages, "cursor_sealer", lambda: SEALER)
    index = Index()
    first = pages.paged(index.query, "lahore", ("REPORTS", "submitted"), 2, None)
    assert first.items == ["a", "b"] and first.cursor
    second = pages.paged(index.query, "lahore", ("REPORTS", "submitted"), 2, first.cursor)
    assert index.asked[-1] == {"partition": "TENANT#lahore#REPORTS#submitted", "start": KEY}
    assert second.cursor
    for tenant, parts in (("karachi", ("REPORTS", "submitted")), ("lahore", ("REPORTS", "resolved"))):
        with pytest.raises(InvalidCursor):
            pages.paged(index.query, tenant, parts, 2, first.cursor)
    assert len(index.asked) == 2


def test_a_key_of_another_city_is_refused_even_under_a_valid_seal(monkeypatch):
    """Defence in depth: were the secret to leak, a sealed key of another tenant still leads nowhere."""
    monkeypatch.setattr(pages, "cursor_sealer", lambda: SEALER)
    scope = pages.listing_scope(Index().query, "TENANT#lahore#REPORTS#submitted")
    forged = SEALER.seal({**KEY, "pk": {"S": "TENANT#karachi#REPORT#r-9"}}, scope)
    with pytest.raises(InvalidCursor):
        pages.paged(Index().query, "lahore", ("REPORTS", "submitted"), 2, forged)


@mock_aws
def test_the_secret_is_read_from_secrets_manager_once_per_cold_start(monkeypatch):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="cursor", SecretString="a-generated-secret-of-64-characters")["ARN"]
    monkeypatch.setenv("CURSOR_SECRET_ARN", arn)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config.deployment.cache_clear()
    cursor_secret.cursor_sealer.cache_clear()
    try:
        sealer = cursor_secret.cursor_sealer()
        client.update_secret(SecretId=arn, SecretString="rotated-while-the-container-lives")
        assert cursor_secret.cursor_sealer() is sealer
        cursor = sealer.seal(KEY, SCOPE)
        assert CursorSealer(b"a-generated-secret-of-64-characters").open(cursor, SCOPE) == KEY
    finally:
        config.deployment.cache_clear()
        cursor_secret.cursor_sealer.cache_clear()


def test_a_function_without_the_secret_says_so(monkeypatch):
    monkeypatch.delenv("CURSOR_SECRET_ARN", raising=False)
    config.deployment.cache_clear()
    cursor_secret.cursor_sealer.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="CURSOR_SECRET_ARN"):
            cursor_secret.cursor_sealer()
    finally:
        config.deployment.cache_clear()
