"""The DynamoDB repositories against moto and against the official DynamoDB Local (real DynamoDB semantics).

The table is created from template.yaml, as everywhere else, so the keys and indexes under test are the
deployed ones.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from pynamodb.exceptions import PutError, UpdateError

from ecopulse.rewards import leaderboard_periods
from ecopulse.store.audit import history
from ecopulse.store.community import CommunityRepository
from ecopulse.store.models import SubmissionItem, utcnow
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.submissions import MAX_REPLACED_KEPT, SubmissionRepository
from ecopulse.store.transactions import ConcurrentChange
from ecopulse.store.users import UserRepository
from ecopulse.submissions import DecisionConflict, InvalidTransition, Outcome, ReviewDecision, Status
from ecopulse.tenants import TenantSettings
from ecopulse.uploads import UploadKey


@pytest.fixture(scope="module")
def repository(app_table):
    return SubmissionRepository()


VERDICT = {"confidence": 0.5, "photo": {"content_type": "image/jpeg", "bytes": 100}}


def key(n: int) -> UploadKey:
    return UploadKey(tenant="lahore", user_id="alice", submission_id=f"sub-{n:08d}", photo="after")


def received(repository: SubmissionRepository, n: int) -> UploadKey:
    upload = key(n)
    repository.create_pending("lahore", upload.submission_id, "alice", "cleanup", None)
    assert repository.mark_received(upload, f"uploads/x/{n}.jpg", "version-1", VERDICT, {"phash": "0" * 16})
    return upload


def test_a_submission_is_opened_once_and_takes_its_photo_once(repository):
    upload = received(repository, 1)
    with pytest.raises(PutError):
        repository.create_pending("lahore", upload.submission_id, "mallory", "cleanup", None)
    assert not repository.mark_received(upload, "uploads/x/1.jpg", "version-1", VERDICT, {"phash": "0" * 16})
    assert repository.status_of(upload) == Status.RECEIVED
    assert repository.get("lahore", upload.submission_id).photo_versions == {"after": "version-1"}
    assert repository.status_of(UploadKey("lahore", "mallory", upload.submission_id, "after")) is None
    assert repository.status_of(UploadKey("karachi", "alice", upload.submission_id, "after")) is None


def test_the_after_photos_verdict_is_stored_once_and_read_under_both_names(repository):
    upload = received(repository, 62)
    before = UploadKey("lahore", "alice", upload.submission_id, "before")
    repository.record_photo(before, "uploads/x/62-before.jpg", "version-0", {"decision": "before"}, {"phash": "1"})
    item = SubmissionItem.get(*SubmissionItem.keys("lahore", upload.submission_id), consistent_read=True)
    assert item.verdict.as_dict() == VERDICT
    assert set(item.photo_verdicts.as_dict()) == {"before"}, "the after photo's verdict is not written twice"
    submission = repository.get("lahore", upload.submission_id)
    assert submission.photo_verdicts == {"before": {"decision": "before"}, "after": VERDICT}
    assert submission.verdict == VERDICT


def test_a_photo_posted_over_the_verified_one_leaves_the_verdict_shown_for_the_verified_version(repository):
    upload = received(repository, 63)
    repository.flag_replaced(upload, "version-2")
    submission = repository.get("lahore", upload.submission_id)
    assert submission.photo_verdicts == {"after": VERDICT} and submission.photo_versions == {"after": "version-1"}


def test_a_refused_after_photo_shows_no_verdict_for_it(repository):
    upload = key(64)
    repository.create_pending("lahore", upload.submission_id, "alice", "cleanup", None)
    assert repository.mark_refused(upload, "uploads/x/64.jpg", "not a photo")
    submission = repository.get("lahore", upload.submission_id)
    assert (submission.status, submission.verdict, submission.photo_verdicts) == (Status.REJECTED, None, {})


def test_an_upload_over_a_verified_photo_is_flagged_once_per_version_with_an_audit_entry(repository):
    upload = received(repository, 60)
    for _ in range(2):
        repository.flag_replaced(upload, "version-2")
    repository.flag_replaced(upload, "version-3")
    item = SubmissionItem.get(*SubmissionItem.keys("lahore", upload.submission_id), consistent_read=True)
    assert set(item.replaced_uploads.as_dict()) == {"version-2", "version-3"}
    assert item.photo_versions.as_dict() == {"after": "version-1"} and item.status == Status.RECEIVED
    entries = [
        entry for entry in history("lahore", "submission", upload.submission_id) if entry.action == "photo_replaced"
    ]
    assert sorted(entry.new for entry in entries) == ["version-2", "version-3"]


def test_a_form_posted_again_and_again_grows_the_audit_not_the_submission(repository):
    upload = received(repository, 61)
    for n in range(MAX_REPLACED_KEPT + 5):
        repository.flag_replaced(upload, f"version-{n}")
    item = SubmissionItem.get(*SubmissionItem.keys("lahore", upload.submission_id), consistent_read=True)
    assert len(item.replaced_uploads.as_dict()) == MAX_REPLACED_KEPT
    entries = [
        entry for entry in history("lahore", "submission", upload.submission_id) if entry.action == "photo_replaced"
    ]
    assert len(entries) == MAX_REPLACED_KEPT + 5


def test_review_and_decision_move_only_forward(repository):
    upload = received(repository, 2)
    parked = repository.park_for_review("lahore", upload.submission_id, "token-2")
    assert (parked.status, parked.task_token) == (Status.IN_REVIEW, "token-2")
    renewed = repository.park_for_review("lahore", upload.submission_id, "token-again")
    assert renewed.task_token == "token-again", "an escalated review waits again under a new token"
    approved = repository.decide("lahore", upload.submission_id, Status.APPROVED, "clean", "admin-1")
    assert approved.status == Status.APPROVED and approved.task_token is None
    assert repository.decide("lahore", upload.submission_id, Status.APPROVED, "clean", "admin-1").status == "approved"
    with pytest.raises(InvalidTransition):
        repository.decide("lahore", upload.submission_id, Status.REJECTED, "late", "admin-2")


def test_a_stale_copy_loses_to_a_concurrent_decision(repository):
    upload = received(repository, 3)
    stale = SubmissionItem.get(*SubmissionItem.keys("lahore", upload.submission_id), consistent_read=True)
    repository.decide("lahore", upload.submission_id, Status.REJECTED, "blurred", "admin-1")
    with pytest.raises(UpdateError):
        stale.update(actions=[SubmissionItem.status.set(Status.APPROVED.value)])
    assert repository.get("lahore", upload.submission_id).status == Status.REJECTED


def in_review(repository: SubmissionRepository, n: int) -> str:
    upload = received(repository, n)
    repository.park_for_review("lahore", upload.submission_id, f"token-{n}")
    return upload.submission_id


def admin_decision(outcome: Outcome, reviewer: str) -> ReviewDecision:
    return ReviewDecision(outcome=outcome, reason=f"{reviewer} decided", reviewer=reviewer, decided_at=utcnow())


def test_the_first_admin_decision_is_stored_a_repeat_changes_nothing_and_another_conflicts(repository):
    submission_id = in_review(repository, 30)
    stored, taken = repository.take_decision("lahore", submission_id, admin_decision(Outcome.APPROVED, "amina"))
    assert taken and stored.review_decision.reviewer == "amina"
    again, taken = repository.take_decision("lahore", submission_id, admin_decision(Outcome.APPROVED, "omar"))
    assert not taken and again.review_decision.reviewer == "amina"
    with pytest.raises(DecisionConflict) as refused:
        repository.take_decision("lahore", submission_id, admin_decision(Outcome.REJECTED, "omar"))
    assert refused.value.taken.reviewer == "amina"
    assert repository.get("lahore", submission_id).status == Status.IN_REVIEW, "storing it moves no status"

    repository.decide("lahore", submission_id, Status.APPROVED, "amina decided", "amina")
    assert not repository.take_decision("lahore", submission_id, admin_decision(Outcome.APPROVED, "zoe"))[1]
    with pytest.raises(DecisionConflict):
        repository.take_decision("lahore", submission_id, admin_decision(Outcome.REJECTED, "zoe"))


def test_no_admin_decision_is_stored_on_a_submission_that_is_not_in_review(repository):
    upload = received(repository, 31)
    with pytest.raises(DecisionConflict):
        repository.take_decision("lahore", upload.submission_id, admin_decision(Outcome.APPROVED, "amina"))
    assert repository.get("lahore", upload.submission_id).review_decision is None


def test_of_admins_deciding_at_the_same_moment_exactly_one_decision_is_stored(repository):
    submission_id = in_review(repository, 32)

    def decide(n: int) -> str:
        outcome = Outcome.APPROVED if n % 2 else Outcome.REJECTED
        try:
            _, taken = repository.take_decision("lahore", submission_id, admin_decision(outcome, f"admin-{n}"))
        except DecisionConflict:
            return "conflict"
        return f"taken {outcome}" if taken else f"repeat {outcome}"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(decide, range(16)))
    (winner,) = [answer for answer in answers if answer.startswith("taken")]
    outcome = winner.split()[1]
    assert {answer for answer in answers if answer != winner} <= {"conflict", f"repeat {outcome}"}
    assert answers.count("conflict") == 8, "every admin who chose the other outcome is told so"
    assert repository.get("lahore", submission_id).review_decision.outcome == outcome


def test_a_decision_is_withdrawn_only_by_its_own_request_and_a_renewed_review_drops_it(repository):
    submission_id = in_review(repository, 33)
    mine = admin_decision(Outcome.APPROVED, "amina")
    repository.take_decision("lahore", submission_id, mine)
    lookalike = mine.model_copy(update={"decided_at": mine.decided_at + timedelta(microseconds=1)})
    assert not repository.withdraw_decision("lahore", submission_id, lookalike)
    assert repository.withdraw_decision("lahore", submission_id, mine)
    assert repository.get("lahore", submission_id).review_decision is None
    assert not repository.withdraw_decision("lahore", submission_id, mine)

    _, taken = repository.take_decision("lahore", submission_id, admin_decision(Outcome.REJECTED, "omar"))
    assert taken, "once withdrawn, the review takes a decision again"
    renewed = repository.park_for_review("lahore", submission_id, "token-renewed")
    assert renewed.review_decision is None, "a decision sent to the old token never reached the renewed review"


def test_an_approval_ranks_the_citizen_on_every_board_in_its_own_transaction(repository):
    """The reward, the balance, the allowance and the leaderboards are written together. A grant sized against
    totals another approval has changed since is refused whole, as a conflict to retry, and the retry, sized
    afresh, counts both rewards."""
    UserRepository().ensure("lahore", "alice", "alice", None, ["citizen"])
    rewards, settings, now = RewardRepository(), TenantSettings(), utcnow()
    first, second = received(repository, 20), received(repository, 21)
    stale = rewards.plan(repository.get("lahore", second.submission_id), settings, now)
    fresh = rewards.plan(repository.get("lahore", first.submission_id), settings, now)
    repository.decide("lahore", first.submission_id, Status.APPROVED, "clean", "admin-1", fresh)
    with pytest.raises(ConcurrentChange):
        repository.decide("lahore", second.submission_id, Status.APPROVED, "clean", "admin-1", stale)
    assert repository.get("lahore", second.submission_id).status == Status.RECEIVED
    assert rewards.unpaid("lahore", "alice")[0].submission_id == first.submission_id

    retried = rewards.plan(repository.get("lahore", second.submission_id), settings, now)
    repository.decide("lahore", second.submission_id, Status.APPROVED, "clean", "admin-1", retried)
    before = {period: points or 0 for period, points in fresh.standings.items()}
    for period in leaderboard_periods(now):
        (row,) = [row for row in CommunityRepository().leaderboard("lahore", period, 50) if row.user_id == "alice"]
        assert row.points == before[period] + 2 * settings.reward_per_task["cleanup"]
    assert len(rewards.unpaid("lahore", "alice")) == 2


def test_the_review_queue_is_per_tenant_and_oldest_first(repository):
    ids = []
    for n in (10, 11, 12):
        upload = received(repository, n)
        repository.park_for_review("lahore", upload.submission_id, f"token-{n}")
        ids.append(upload.submission_id)
    queue = [item.submission_id for item in repository.review_queue("lahore", 50).items]
    assert [i for i in queue if i in ids] == ids
    assert repository.review_queue("karachi", 50).items == []


def test_the_claim_store_adds_once_and_refuses_stale_writes(repository):
    from ecopulse.chain.claims import Claim, Fees
    from ecopulse.chain.ports import StaleClaim
    from ecopulse.store.claims import DynamoDBClaimStore

    store = DynamoDBClaimStore()
    claim = Claim.new(str(uuid.uuid4()), "lahore", "0x52908400098527886E0F7030069857D2E4169EE7", 10)
    assert store.add(claim) == claim
    submitted = claim.submitted(nonce=7, tx_hash="0x" + "ab" * 32, fees=Fees(2_000, 1_000), gas_limit=90_000)
    store.save(submitted)
    assert store.add(claim) == submitted, "adding again returns the stored claim, not the new one"
    with pytest.raises(StaleClaim):
        store.save(submitted)
    assert store.load("lahore", claim.submission_id) == submitted
    assert store.load("karachi", claim.submission_id) is None


def test_the_days_submissions_and_grants_are_listed_per_tenant_oldest_first_for_exports(repository):
    tenant = f"export-{uuid.uuid4().hex[:8]}"
    UserRepository().ensure(tenant, "alice", "alice", None, ["citizen"])
    opened = [f"sub-{n}-{uuid.uuid4().hex[:6]}" for n in range(3)]
    for submission_id in opened:
        repository.create_pending(tenant, submission_id, "alice", "cleanup", None)
    today = utcnow().date()
    assert [s.submission_id for s in repository.opened_on(tenant, today, 50)] == opened
    assert repository.opened_on(tenant, today - timedelta(days=1), 50) == []
    assert repository.opened_on("karachi", today, 50) == []

    upload = UploadKey(tenant=tenant, user_id="alice", submission_id=opened[1], photo="after")
    assert repository.mark_received(upload, "uploads/x/export.jpg", "version-1", VERDICT, {"phash": "0" * 16})
    grant = RewardRepository().plan(repository.get(tenant, opened[1]), TenantSettings(), utcnow())
    repository.decide(tenant, opened[1], Status.APPROVED, "clean", "admin-1", grant)
    (granted,) = CommunityRepository().granted_on(tenant, today, 50)
    assert (granted.user_id, granted.entry.submission_id, granted.entry.state) == ("alice", opened[1], "pending")
    assert CommunityRepository().granted_on("karachi", today, 50) == []
