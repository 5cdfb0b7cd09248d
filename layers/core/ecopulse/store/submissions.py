"""Submission repository: every status change is a conditional write, so two actors cannot both win."""

from pynamodb.exceptions import PutError, UpdateError

from ecopulse.store.models import SubmissionItem, utcnow
from ecopulse.submissions import InvalidTransition, Status, sources_for
from ecopulse.uploads import UploadKey


class SubmissionRepository:
    def get(self, tenant: str, submission_id: str) -> SubmissionItem:
        return SubmissionItem.get(*SubmissionItem.keys(tenant, submission_id), consistent_read=True)

    def create(self, item: SubmissionItem) -> bool:
        """Stores a new submission; False when one with that id exists already (a redelivered upload)."""
        try:
            item.save(condition=SubmissionItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def create_received(
        self, key: UploadKey, photo_key: str, content_type: str, size: int, verdict: dict
    ) -> bool:
        return self.create(
            self._new(key, photo_key, Status.RECEIVED, size, content_type=content_type, verdict=verdict)
        )

    def create_refused(self, key: UploadKey, photo_key: str, size: int, reason: str) -> bool:
        return self.create(
            self._new(key, photo_key, Status.REJECTED, size, rejection_reason=reason, decided_by="intake")
        )

    @staticmethod
    def _new(key: UploadKey, photo_key: str, status: Status, size: int, **attributes) -> SubmissionItem:
        pk, sk = SubmissionItem.keys(key.tenant, key.submission_id)
        return SubmissionItem(
            pk,
            sk,
            tenant=key.tenant,
            submission_id=key.submission_id,
            user_id=key.user_id,
            status=status.value,
            photo_key=photo_key,
            size_bytes=size,
            **attributes,
        )

    def park_for_review(self, tenant: str, submission_id: str, task_token: str) -> SubmissionItem:
        item = self.get(tenant, submission_id)
        now = utcnow()
        self._transition(
            item,
            Status.IN_REVIEW,
            [
                SubmissionItem.task_token.set(task_token),
                SubmissionItem.gsi1pk.set(f"REVIEW#{tenant}"),
                SubmissionItem.gsi1sk.set(f"{item.created_at.isoformat()}#{submission_id}"),
                SubmissionItem.updated_at.set(now),
            ],
        )
        return item

    def decide(
        self, tenant: str, submission_id: str, target: Status, reason: str, reviewer: str
    ) -> SubmissionItem:
        item = self.get(tenant, submission_id)
        if item.status == target:
            return item
        self._transition(
            item,
            target,
            [
                SubmissionItem.rejection_reason.set(reason)
                if target == Status.REJECTED
                else SubmissionItem.rejection_reason.remove(),
                SubmissionItem.decided_by.set(reviewer),
                SubmissionItem.task_token.remove(),
                SubmissionItem.gsi1pk.remove(),
                SubmissionItem.gsi1sk.remove(),
                SubmissionItem.updated_at.set(utcnow()),
            ],
        )
        return item

    def review_queue(self, tenant: str, limit: int = 50) -> list[SubmissionItem]:
        return list(SubmissionItem.review_queue.query(f"REVIEW#{tenant}", limit=limit))

    @staticmethod
    def _transition(item: SubmissionItem, target: Status, actions: list) -> None:
        allowed = sources_for(target)
        if item.status not in allowed:
            raise InvalidTransition(
                f"submission {item.submission_id} is {item.status}, cannot become {target}"
            )
        try:
            item.update(
                actions=[SubmissionItem.status.set(target.value), *actions],
                condition=SubmissionItem.status.is_in(*[status.value for status in allowed]),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise InvalidTransition(
                    f"submission {item.submission_id} changed while becoming {target}"
                ) from error
            raise
