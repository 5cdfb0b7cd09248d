"""The ``Submissions`` port on DynamoDB: every status change is a conditional write, so two actors cannot both
win."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse.impact import ImpactEntry
from ecopulse.paging import Page
from ecopulse.rewards import RewardGrant
from ecopulse.store.audit import audit_entry
from ecopulse.store.impact import write_impact
from ecopulse.store.models import SubmissionItem, sort_stamp, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.rewards import write_grant
from ecopulse.store.transactions import MAX_ATTEMPTS, ConcurrentChange, failed_on_condition, transact
from ecopulse.submissions import (
    InvalidTransition,
    ReviewDecision,
    Status,
    Submission,
    SubmissionNotFound,
    Task,
    admits_decision,
    sources_for,
)
from ecopulse.uploads import AFTER_PHOTO, UploadKey

MAX_REPLACED_KEPT = 20


def _as_dict(attribute: MapAttribute[str, Any] | None) -> dict[str, Any]:
    """A map attribute's plain values, empty when it is missing."""
    return attribute.as_dict() if attribute else {}


def _decision_of(item: SubmissionItem) -> ReviewDecision | None:
    """The admin decision taken on the submission, if any."""
    return ReviewDecision.model_validate(_as_dict(item.review_decision)) if item.review_decision else None


def _photo_verdicts_of(item: SubmissionItem) -> dict[str, Any]:
    """Each photo's verdict; the "after" photo's is the submission's ``verdict``, stored once (items written
    before that rule still carry a copy)."""
    verdicts = _as_dict(item.photo_verdicts)
    if item.verdict and AFTER_PHOTO not in verdicts:
        verdicts[AFTER_PHOTO] = _as_dict(item.verdict)
    return verdicts


def submission_of(item: SubmissionItem) -> Submission:
    return Submission(
        tenant=item.tenant,
        submission_id=item.submission_id,
        user_id=item.user_id,
        task=item.task,
        report_id=item.report_id,
        status=Status(item.status),
        photos=_as_dict(item.photos),
        verdict=_as_dict(item.verdict) if item.verdict else None,
        photo_verdicts=_photo_verdicts_of(item),
        photo_versions=_as_dict(item.photo_versions),
        photo_facts=_as_dict(item.photo_facts),
        rejection_reason=item.rejection_reason,
        decided_by=item.decided_by,
        review_decision=_decision_of(item),
        task_token=item.task_token,
        reward=None if item.reward is None else float(item.reward),
        mint_tx=item.mint_tx,
        created_at=item.created_at,
        updated_at=item.updated_at,
        closeout=bool(item.closeout),
    )


class SubmissionRepository:
    def get(self, tenant: str, submission_id: str) -> Submission:
        return submission_of(self._item(tenant, submission_id))

    @staticmethod
    def _item(tenant: str, submission_id: str) -> SubmissionItem:
        try:
            return SubmissionItem.get(*SubmissionItem.keys(tenant, submission_id), consistent_read=True)
        except DoesNotExist as error:
            raise SubmissionNotFound(submission_id) from error

    def create_pending(
        self, tenant: str, submission_id: str, user_id: str, task: Task, report_id: str | None, closeout: bool = False
    ) -> Submission:
        """A submission opened through the API; its photos may now be uploaded."""
        now = utcnow()
        pk, sk = SubmissionItem.keys(tenant, submission_id)
        item = SubmissionItem(
            pk,
            sk,
            tenant=tenant,
            submission_id=submission_id,
            user_id=user_id,
            task=Task(task).value,
            report_id=report_id,
            closeout=closeout or None,
            status=Status.AWAITING_UPLOAD.value,
            photo_key="",
            created_at=now,
            updated_at=now,
            gsi2pk=tenant_key(tenant, "SUBMISSIONS", now.date().isoformat()),
            gsi2sk=sort_stamp(now, submission_id),
            gsi3pk=tenant_key(tenant, "USER", user_id, "SUBMISSIONS"),
            gsi3sk=sort_stamp(now, submission_id),
        )
        item.save(condition=SubmissionItem.pk.does_not_exist())
        return submission_of(item)

    def status_of(self, key: UploadKey) -> Status | None:
        """The submission's status when it exists and belongs to the uploader, else None."""
        try:
            item = self._item(key.tenant, key.submission_id)
        except SubmissionNotFound:
            return None
        return Status(item.status) if item.user_id == key.user_id else None

    def record_photo(
        self, key: UploadKey, photo_key: str, version_id: str, verdict: dict[str, Any], facts: dict[str, Any]
    ) -> None:
        item = self._item(key.tenant, key.submission_id)
        item.update(
            actions=[
                *self._photo_actions(key, photo_key, version_id, verdict, facts),
                SubmissionItem.updated_at.set(utcnow()),
            ]
        )

    def mark_received(
        self, key: UploadKey, photo_key: str, version_id: str, verdict: dict[str, Any], facts: dict[str, Any]
    ) -> bool:
        """False when the photo was taken in already (a redelivered event)."""
        return self._try_transition(
            key,
            Status.RECEIVED,
            [
                SubmissionItem.photo_key.set(photo_key),
                SubmissionItem.content_type.set(verdict["photo"]["content_type"]),
                SubmissionItem.size_bytes.set(verdict["photo"]["bytes"]),
                SubmissionItem.verdict.set(verdict),
                *self._photo_actions(key, photo_key, version_id, None, facts),
            ],
        )

    def flag_replaced(self, key: UploadKey, version_id: str) -> None:
        """Once per replacing version, in the audit trail, and on the submission for the first
        ``MAX_REPLACED_KEPT``: a form posted again and again within its minutes must not grow the item past
        DynamoDB's 400 KB and leave the submission unwritable."""
        item = self._item(key.tenant, key.submission_id)
        kept = _as_dict(item.replaced_uploads)
        if version_id in kept:
            return
        now = utcnow()
        audit = audit_entry(
            key.tenant, "submission", key.submission_id, key.user_id, "photo_replaced",
            new=version_id, reason=f"the {key.photo} photo was uploaded again after it was verified",
        )  # fmt: skip

        def write(transaction: TransactWrite) -> None:
            if len(kept) < MAX_REPLACED_KEPT:
                transaction.update(
                    item,
                    actions=[
                        SubmissionItem.replaced_uploads[version_id].set({"photo": key.photo, "at": now.isoformat()}),
                        SubmissionItem.updated_at.set(now),
                    ],
                )
            transaction.save(audit)

        transact(write)

    @staticmethod
    def _photo_actions(
        key: UploadKey, photo_key: str, version_id: str, verdict: dict[str, Any] | None, facts: dict[str, Any]
    ) -> list[Action]:
        """A photo taken in; ``verdict`` None when it is the submission's own (kept once, in ``verdict``)."""
        return [
            SubmissionItem.photos[key.photo].set(photo_key),
            SubmissionItem.photo_versions[key.photo].set(version_id),
            *([] if verdict is None else [SubmissionItem.photo_verdicts[key.photo].set(verdict)]),
            SubmissionItem.photo_facts[key.photo].set(facts),
        ]

    def mark_refused(self, key: UploadKey, photo_key: str, reason: str) -> bool:
        return self._try_transition(
            key,
            Status.REJECTED,
            [
                SubmissionItem.photo_key.set(photo_key),
                SubmissionItem.rejection_reason.set(reason),
                SubmissionItem.decided_by.set("intake"),
            ],
            reason,
        )

    def _try_transition(
        self, key: UploadKey, target: Status, actions: Sequence[Action], reason: str | None = None
    ) -> bool:
        item = self._item(key.tenant, key.submission_id)
        try:
            self._transition(item, target, [*actions, SubmissionItem.updated_at.set(utcnow())], "intake", reason)
        except InvalidTransition:
            return False
        return True

    def list_by_user(self, tenant: str, user_id: str, limit: int, cursor: str | None) -> Page[Submission]:
        page: Page[SubmissionItem] = paged(
            SubmissionItem.gsi3.query, tenant, ("USER", user_id, "SUBMISSIONS"), limit, cursor, newest_first=True
        )
        return Page([submission_of(item) for item in page.items], page.cursor)

    def opened_on(self, tenant: str, day: date, limit: int) -> list[Submission]:
        """Oldest first, off the tenant's index of the day's submissions."""
        items = SubmissionItem.gsi2.query(tenant_key(tenant, "SUBMISSIONS", day.isoformat()), limit=limit)
        return [submission_of(item) for item in items]

    def park_for_review(self, tenant: str, submission_id: str, task_token: str) -> Submission:
        """Waits for an admin under ``task_token``. A review that timed out and waits again drops any decision
        stored for the old token: it never reached the workflow, which waits for one anew."""
        item = self._item(tenant, submission_id)
        now = utcnow()
        self._transition(
            item,
            Status.IN_REVIEW,
            [
                SubmissionItem.task_token.set(task_token),
                SubmissionItem.review_decision.remove(),
                SubmissionItem.gsi1pk.set(tenant_key(tenant, "REVIEW")),
                SubmissionItem.gsi1sk.set(sort_stamp(item.created_at, submission_id)),
                SubmissionItem.updated_at.set(now),
            ],
            actor="workflow",
            reason="the verdict needs a human",
        )
        return self.get(tenant, submission_id)

    def decide(
        self,
        tenant: str,
        submission_id: str,
        target: Status,
        reason: str,
        reviewer: str,
        grant: RewardGrant | None = None,
        impact: ImpactEntry | None = None,
    ) -> Submission:
        """Approves or rejects once; an approval with a grant writes the ledger entry, the citizen's balance,
        the daily allowance and the leaderboards in the same transaction, and its impact entry with them."""
        item = self._item(tenant, submission_id)
        if item.status == target:
            return submission_of(item)
        now = utcnow()
        actions = [
            SubmissionItem.rejection_reason.set(reason)
            if target == Status.REJECTED
            else SubmissionItem.rejection_reason.remove(),
            SubmissionItem.decided_by.set(reviewer),
            SubmissionItem.task_token.remove(),
            SubmissionItem.gsi1pk.remove(),
            SubmissionItem.gsi1sk.remove(),
            SubmissionItem.updated_at.set(now),
        ]
        if grant:
            actions.append(SubmissionItem.reward.set(grant.amount))

        def extra(transaction: TransactWrite) -> None:
            if grant:
                write_grant(transaction, grant, f"{item.task or 'cleanup'} approved", now)
            if impact and target == Status.APPROVED:
                write_impact(transaction, impact)

        self._transition(item, target, actions, actor=reviewer, reason=reason, extra=extra)
        return self.get(tenant, submission_id)

    def take_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> tuple[Submission, bool]:
        """Stores an admin's decision on a submission in review, as ``admits_decision`` rules: the submission,
        and whether this call stored the decision (False: the same one was taken already). The write is
        conditional on the status and on no decision being stored, so of two requests racing one stores; the
        other is ruled on again against the one that won (a repeat, or a ``DecisionConflict``)."""
        for _ in range(MAX_ATTEMPTS):
            item = self._item(tenant, submission_id)
            if not admits_decision(Status(item.status), _decision_of(item), decision.outcome):
                return submission_of(item), False
            try:
                item.update(
                    actions=[SubmissionItem.review_decision.set(decision.model_dump(mode="json"))],
                    condition=(SubmissionItem.status == Status.IN_REVIEW.value)
                    & SubmissionItem.review_decision.does_not_exist(),
                    add_version_condition=False,
                )
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                continue
            return submission_of(item), True
        raise ConcurrentChange(f"submission {submission_id} kept changing while an admin decided it")

    def withdraw_decision(self, tenant: str, submission_id: str, decision: ReviewDecision) -> bool:
        """Removes ``decision`` when it is still the one stored: the workflow never took it. False when
        another is stored, or none."""
        stored = SubmissionItem.review_decision
        try:
            self._item(tenant, submission_id).update(
                actions=[stored.remove()],
                condition=(stored["reviewer"] == decision.reviewer)
                & (stored["decided_at"] == decision.model_dump(mode="json")["decided_at"]),
                add_version_condition=False,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def review_queue(self, tenant: str, limit: int, cursor: str | None = None) -> Page[Submission]:
        page: Page[SubmissionItem] = paged(SubmissionItem.gsi1.query, tenant, ("REVIEW",), limit, cursor)
        return Page([submission_of(item) for item in page.items], page.cursor)

    @staticmethod
    def _transition(
        item: SubmissionItem,
        target: Status,
        actions: Sequence[Action],
        actor: str,
        reason: str | None = None,
        extra: Callable[[TransactWrite], None] | None = None,
    ) -> None:
        """The status change, its audit entry and whatever ``extra`` adds, all or nothing."""
        allowed = sources_for(target)
        if item.status not in allowed:
            raise InvalidTransition(f"submission {item.submission_id} is {item.status}, cannot become {target}")
        audit = audit_entry(
            item.tenant, "submission", item.submission_id, actor, target.value, item.status, target, reason
        )

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                item,
                actions=[SubmissionItem.status.set(target.value), *actions],
                condition=SubmissionItem.status.is_in(*[status.value for status in allowed]),
            )
            transaction.save(audit)
            if extra:
                extra(transaction)  # nosec B610  # a callback named extra, not Django's QuerySet.extra

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            if SubmissionItem.get(item.pk, item.sk, consistent_read=True).status not in allowed:
                raise InvalidTransition(f"submission {item.submission_id} changed while becoming {target}") from error
            # The submission could still move: what changed is a total the write was sized against (the
            # daily allowance, a leaderboard), so reading afresh and writing again will do.
            raise ConcurrentChange(f"totals changed while submission {item.submission_id} became {target}") from error
