"""In-memory stand-ins for the report photos' ports: the board where photos' results meet their reports, and links
that say what they point at."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecopulse.report_photos import PhotoResult


@dataclass
class MemoryBoard:
    """The ``PhotoBoard`` in memory: each photo's record (result, detail, reports naming it) and each report's
    results, a newer revision winning as the adapter's condition makes it."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, PhotoResult]] = field(default_factory=dict)

    def _record(self, photo_key: str) -> dict[str, Any]:
        return self.records.setdefault(photo_key, {"result": None, "detail": {}, "report_ids": set()})

    def result_of(self, photo_key: str) -> PhotoResult | None:
        return self.records.get(photo_key, {}).get("result")

    def record(self, photo_key: str, result: PhotoResult, detail: Mapping[str, Any] | None) -> tuple[str, ...]:
        record = self._record(photo_key)
        record["result"] = result
        if detail is not None:
            record["detail"] = dict(detail)
        return tuple(sorted(record["report_ids"]))

    def name_in_report(self, photo_key: str, report_id: str) -> PhotoResult | None:
        record = self._record(photo_key)
        record["report_ids"].add(report_id)
        result: PhotoResult | None = record["result"]
        return result

    def show(self, tenant: str, report_id: str, photo_key: str, result: PhotoResult) -> None:
        shown = self.reports.setdefault(report_id, {})
        if photo_key not in shown or shown[photo_key].revision < result.revision:
            shown[photo_key] = result


class FakeLinks:
    """Presigned links as ``signed://bucket/key?v=version&expires=seconds``, so a test sees what each points at."""

    def presigned_get(self, bucket: str, key: str, expires_seconds: int, version_id: str | None = None) -> str:
        return f"signed://{bucket}/{key}?v={version_id or ''}&expires={expires_seconds}"
