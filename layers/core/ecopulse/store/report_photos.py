"""The ``PhotoBoard`` on DynamoDB: each report photo's record under its uploader, and the results on the reports.

Both sides of the meeting are single-item updates that return the item as written (``ALL_NEW``), so DynamoDB
orders them and the second sees the first.
"""

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from ecopulse.report_photos import PhotoResult
from ecopulse.store.models import ReportItem, ReportPhotoItem, ReportPhotoResults
from ecopulse.uploads import UploadKey


def _photo_item(photo_key: str) -> ReportPhotoItem:
    upload = UploadKey.parse(photo_key)
    return ReportPhotoItem(*ReportPhotoItem.keys(upload.tenant, upload.user_id, upload.submission_id))


class ReportPhotoBoard:
    def result_of(self, photo_key: str) -> PhotoResult | None:
        upload = UploadKey.parse(photo_key)
        try:
            item = ReportPhotoItem.get(
                *ReportPhotoItem.keys(upload.tenant, upload.user_id, upload.submission_id), consistent_read=True
            )
        except DoesNotExist:
            return None
        return PhotoResult.from_dict(item.result.as_dict()) if item.result else None

    def record(self, photo_key: str, result: PhotoResult, detail: Mapping[str, Any] | None) -> tuple[str, ...]:
        item = _photo_item(photo_key)
        actions: list[Action] = [
            ReportPhotoItem.tenant.set(UploadKey.parse(photo_key).tenant),
            ReportPhotoItem.photo_key.set(photo_key),
            ReportPhotoItem.result.set(result.to_dict()),
        ]
        if detail is not None:
            actions.append(ReportPhotoItem.detail.set(dict(detail)))
        item.update(actions=actions)
        return tuple(sorted(item.report_ids or ()))

    def name_in_report(self, photo_key: str, report_id: str) -> PhotoResult | None:
        item = _photo_item(photo_key)
        item.update(
            actions=[
                ReportPhotoItem.tenant.set(UploadKey.parse(photo_key).tenant),
                ReportPhotoItem.photo_key.set(photo_key),
                ReportPhotoItem.report_ids.add({report_id}),
            ]
        )
        return PhotoResult.from_dict(item.result.as_dict()) if item.result else None

    def show(self, tenant: str, report_id: str, photo_key: str, result: PhotoResult) -> None:
        """Sets the photo's entry on the report unless the report holds a newer revision (or is gone)."""
        entry = ReportPhotoResults.photo_results[photo_key]
        item = ReportPhotoResults(*ReportItem.keys(tenant, report_id))
        try:
            item.update(
                actions=[entry.set(result.to_dict())],
                condition=ReportPhotoResults.pk.exists()
                & (entry.does_not_exist() | (entry["revision"] < result.revision)),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
