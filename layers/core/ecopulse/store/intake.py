"""The submission repository as photo intake needs it: with what a new photo is compared against.

Kept apart from store.submissions because it needs the verification package (numpy), which only the
verification function's layers carry; the API functions import store.submissions without it.
"""

from pynamodb.exceptions import DoesNotExist

from ecopulse.intake import ReportPhoto, StoredEvidence
from ecopulse.store.models import ReportItem
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.uploads import BEFORE_PHOTO, UploadKey
from ecopulse.verification.facts import PhotoFacts
from ecopulse.verification.geo import GeoPoint


class IntakeSubmissions(SubmissionRepository):
    def evidence_of(self, key: UploadKey) -> StoredEvidence:
        """What a photo of this submission is judged with: its opening, its report's place, its "before"
        photo, the versions verified so far, and for a close-out the report's (first) photo."""
        submission = self.get(key.tenant, key.submission_id)
        location, report_photo = None, None
        if submission.report_id:
            try:
                report = ReportItem.get(*ReportItem.keys(key.tenant, submission.report_id))
                location = GeoPoint(float(report.lat), float(report.lng))
                if submission.closeout and report.photo_keys:
                    report_photo = ReportPhoto(str(report.photo_keys[0]), report.created_at)
            except DoesNotExist:
                location = None
        stored = submission.photo_facts.get(BEFORE_PHOTO)
        return StoredEvidence(
            opened_at=submission.created_at,
            report_location=location,
            before=PhotoFacts.from_dict(stored) if stored else None,
            versions=submission.photo_versions,
            report_photo=report_photo,
        )
