"""A page of a listing and the opaque cursor to the next one."""

from dataclasses import dataclass


class InvalidCursor(ValueError):
    """The cursor was not issued by this API (or was altered)."""


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    cursor: str | None
