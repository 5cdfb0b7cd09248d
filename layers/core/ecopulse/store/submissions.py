"""Submission repository: every status change is a conditional write, so two actors cannot both win."""

from pynamodb.exceptions import DoesNotExist, UpdateError

from ecopulse.store.models import SubmissionItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import Page, decode_cursor, page_of
from ecopulse.submissions import InvalidTransition, Status, sources_for
from ecopulse.uploads import UploadKey


class SubmissionRepository:
    def get(self, tenant: str, submission_id: str) -> SubmissionItem:
        return SubmissionItem.get(*SubmissionItem.keys(tenant, submission_id), consistent_read=True)

    def create_pending(
        self, tenant: str, submission_id: str, user_id: str, task: str, report_id: str | None
    ) -> SubmissionItem:
        """A submission opened through the API; its photos may now be uploaded."""
        now = utcnow()
        pk, sk = SubmissionItem.keys(tenant, submission_id)
        item = SubmissionItem(
            pk,
            sk,
            tenant=tenant,
            submission_id=submission_id,
            user_id=user_id,
            task=task,
            report_id=report_id,
            status=Status.AWAITING_UPLOAD.value,
            photo_key="",
            created_at=now,
            updated_at=now,
            gsi3pk=tenant_key(tenant, "USER", user_id, "SUBMISSIONS"),
            gsi3sk=sort_stamp(now, submission_id),
        )
        item.save(condition=SubmissionItem.pk.does_not_exist())
        return item

    def status_of(self, key: UploadKey) -> Status | None:
        """The submission's status when it exists and belongs to the uploader, else None."""
        try:
            item = self.get(key.tenant, key.submission_id)
        except DoesNotExist:
            return None
        return Status(item.status) if item.user_id == key.user_id else None

    def record_photo(self, key: UploadKey, photo_key: str) -> None:
        item = self.get(key.tenant, key.submission_id)
        item.update(actions=[SubmissionItem.photos[key.photo].set(photo_key), SubmissionItem.updated_at.set(utcnow())])

    def mark_received(self, key: UploadKey, photo_key: str, content_type: str, size: int, verdict: dict) -> bool:
        """False when the photo was taken in already (a redelivered event)."""
        return self._try_transition(
            key,
            Status.RECEIVED,
            [
                SubmissionItem.photo_key.set(photo_key),
                SubmissionItem.photos[key.photo].set(photo_key),
                SubmissionItem.content_type.set(content_type),
                SubmissionItem.size_bytes.set(size),
                SubmissionItem.verdict.set(verdict),
            ],
        )

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool:
        return self._try_transition(
            key,
            Status.REJECTED,
            [
                SubmissionItem.photo_key.set(photo_key),
                SubmissionItem.rejection_reason.set(reason),
                SubmissionItem.decided_by.set("intake"),
            ],
        )

    def _try_transition(self, key: UploadKey, target: Status, actions: list) -> bool:
        item = self.get(key.tenant, key.submission_id)
        try:
            self._transition(item, target, [*actions, SubmissionItem.updated_at.set(utcnow())])
        except InvalidTransition:
            return False
        return True

    def list_by_user(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[SubmissionItem]:
        results = SubmissionItem.gsi3.query(
            tenant_key(tenant, "USER", user_id, "SUBMISSIONS"),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, tenant),
        )
        return page_of(results, limit)

    def park_for_review(self, tenant: str, submission_id: str, task_token: str) -> SubmissionItem:
        item = self.get(tenant, submission_id)
        now = utcnow()
        self._transition(
            item,
            Status.IN_REVIEW,
            [
                SubmissionItem.task_token.set(task_token),
                SubmissionItem.gsi1pk.set(tenant_key(tenant, "REVIEW")),
                SubmissionItem.gsi1sk.set(sort_stamp(item.created_at, submission_id)),
                SubmissionItem.updated_at.set(now),
            ],
        )
        return item

    def decide(self, tenant: str, submission_id: str, target: Status, reason: str, reviewer: str) -> SubmissionItem:
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

    def review_queue(self, tenant: str, limit: int, cursor: str | None = None) -> Page[SubmissionItem]:
        results = SubmissionItem.gsi1.query(
            tenant_key(tenant, "REVIEW"), limit=limit, last_evaluated_key=decode_cursor(cursor, tenant)
        )
        return page_of(results, limit)

    @staticmethod
    def _transition(item: SubmissionItem, target: Status, actions: list) -> None:
        allowed = sources_for(target)
        if item.status not in allowed:
            raise InvalidTransition(f"submission {item.submission_id} is {item.status}, cannot become {target}")
        try:
            item.update(
                actions=[SubmissionItem.status.set(target.value), *actions],
                condition=SubmissionItem.status.is_in(*[status.value for status in allowed]),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise InvalidTransition(f"submission {item.submission_id} changed while becoming {target}") from error
            raise
