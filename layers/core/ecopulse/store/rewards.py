"""Rewards: the grant written with an approval, and the payout recorded once the chain confirms it."""

from collections.abc import Iterator
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse.aggregates import Listing
from ecopulse.community import LedgerEntry
from ecopulse.rewards import LedgerLine, RewardGrant, event_bonus_for, leaderboard_periods, rank_key, reward_for
from ecopulse.store.audit import audit_entry
from ecopulse.store.community import ledger_entry_of
from ecopulse.store.models import (
    EarnedItem,
    LeaderboardItem,
    LedgerItem,
    ReportItem,
    SubmissionItem,
    SubmissionPayout,
    UserCounters,
    UserItem,
    sort_stamp,
    tenant_key,
)
from ecopulse.store.stats import day_of, listed_tenants
from ecopulse.store.transactions import transact
from ecopulse.submissions import Submission, Task
from ecopulse.tenants import TenantSettings

PAID = "paid"


def write_grant(
    transaction: TransactWrite, grant: RewardGrant, reason: str, now: datetime, event_id: str | None = None
) -> None:
    """The ledger entry, the citizen's balance and points, the day's allowance and every board, in the
    approval's (or the check-in's) transaction; the allowance is written only while it stays under the daily cap,
    and the entry only once per reward id."""
    pk, sk = LedgerItem.keys(grant.tenant, grant.user_id, grant.submission_id)
    transaction.save(
        LedgerItem(
            pk,
            sk,
            tenant=grant.tenant,
            user_id=grant.user_id,
            submission_id=grant.submission_id,
            amount=grant.amount,
            reason=reason,
            state="pending",
            event_id=event_id,
            created_at=now,
            gsi2pk=tenant_key(grant.tenant, "LEDGER", now.date().isoformat()),
            gsi2sk=sort_stamp(now, grant.submission_id),
            gsi3pk=tenant_key(grant.tenant, "USER", grant.user_id, "LEDGER"),
            gsi3sk=sort_stamp(now, grant.submission_id),
        ),
        condition=LedgerItem.sk.does_not_exist(),
    )
    user_pk, user_sk = UserItem.keys(grant.tenant, grant.user_id)
    transaction.update(
        UserCounters(user_pk, user_sk),
        actions=[UserCounters.balance_pending.add(grant.amount), UserCounters.points.add(grant.amount)],
        condition=UserCounters.pk.exists(),
    )
    earned_pk, earned_sk = EarnedItem.keys(grant.tenant, grant.user_id, day_of(now))
    transaction.update(
        EarnedItem(earned_pk, earned_sk),
        actions=[EarnedItem.amount.add(grant.amount), EarnedItem.tenant.set(grant.tenant)],
        condition=EarnedItem.amount.does_not_exist() | (EarnedItem.amount <= grant.daily_cap - grant.amount),
    )
    for period, points in grant.standings.items():
        _rank(transaction, grant, period, points)


def _rank(transaction: TransactWrite, grant: RewardGrant, period: str, points: int | None) -> None:
    """Adds the reward on one board and re-sorts the citizen there. The sort key holds the new total, so the
    write is conditional on the total read: an approval that raced this one makes the transaction retry."""
    total = (points or 0) + grant.amount
    pk, sk = LeaderboardItem.keys(grant.tenant, period, grant.user_id)
    transaction.update(
        LeaderboardItem(pk, sk),
        actions=[
            LeaderboardItem.points.set(total),
            LeaderboardItem.tenant.set(grant.tenant),
            LeaderboardItem.period.set(period),
            LeaderboardItem.user_id.set(grant.user_id),
            LeaderboardItem.username.set(grant.name),
            LeaderboardItem.gsi2pk.set(tenant_key(grant.tenant, "LEADERBOARD", period)),
            LeaderboardItem.gsi2sk.set(rank_key(total, grant.user_id)),
        ],
        condition=LeaderboardItem.pk.does_not_exist() if points is None else LeaderboardItem.points == points,
    )


class RewardRepository:
    def plan(self, submission: Submission, settings: TenantSettings, now: datetime) -> RewardGrant | None:
        """The grant for approving ``submission`` now, or None when the cap leaves nothing to earn today."""
        tenant, user_id = submission.tenant, submission.user_id
        earned = self._earned_today(tenant, user_id, now)
        amount = reward_for(submission.task, settings, earned, category=self._category(submission))
        return self._grant(tenant, user_id, submission.submission_id, amount, earned, settings, now)

    def plan_bonus(
        self, tenant: str, user_id: str, reward_id: str, bonus_points: int, settings: TenantSettings, now: datetime
    ) -> RewardGrant | None:
        """The grant of an event's check-in bonus, sized against the same daily allowance as cleanups."""
        earned = self._earned_today(tenant, user_id, now)
        return self._grant(tenant, user_id, reward_id, event_bonus_for(bonus_points, settings, earned), earned,
                           settings, now)  # fmt: skip

    @staticmethod
    def _earned_today(tenant: str, user_id: str, now: datetime) -> int:
        try:
            return int(EarnedItem.get(*EarnedItem.keys(tenant, user_id, day_of(now)), consistent_read=True).amount)
        except DoesNotExist:
            return 0

    def _grant(
        self,
        tenant: str,
        user_id: str,
        reward_id: str,
        amount: int,
        earned: int,
        settings: TenantSettings,
        now: datetime,
    ) -> RewardGrant | None:
        if amount <= 0:
            return None
        user = UserItem.get(*UserItem.keys(tenant, user_id), consistent_read=True)
        standings = {period: self._standing(tenant, period, user_id) for period in leaderboard_periods(now)}
        return RewardGrant(
            tenant=tenant,
            user_id=user_id,
            submission_id=reward_id,
            amount=amount,
            earned_today=earned,
            daily_cap=settings.daily_reward_cap,
            wallet=user.wallet_address,
            name=user.display_name or user.username,
            standings=standings,
        )

    @staticmethod
    def _category(submission: Submission) -> str | None:
        """The category of the report the cleanup cleared, which may have its own rate."""
        if submission.task != Task.REPORT or not submission.report_id:
            return None
        try:
            return str(ReportItem.get(*ReportItem.keys(submission.tenant, submission.report_id)).waste_type)
        except DoesNotExist:
            return None

    @staticmethod
    def _standing(tenant: str, period: str, user_id: str) -> int | None:
        try:
            return int(LeaderboardItem.get(*LeaderboardItem.keys(tenant, period, user_id), consistent_read=True).points)
        except DoesNotExist:
            return None

    def unpaid(self, tenant: str, user_id: str) -> list[LedgerEntry]:
        """Rewards granted but not minted yet: waiting for a wallet, or for a failed mint to be retried."""
        entries = LedgerItem.query(tenant_key(tenant, "USER", user_id), LedgerItem.sk.startswith("LEDGER#"))
        return [ledger_entry_of(entry) for entry in entries if entry.state != PAID]

    def record_payout(self, tenant: str, user_id: str, submission_id: str, tx_hash: str | None) -> bool:
        """Marks the ledger entry paid and moves its amount from pending to minted; False if it was already."""
        pk, sk = LedgerItem.keys(tenant, user_id, submission_id)
        try:
            entry = LedgerItem.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return False
        if entry.state == PAID:
            return False
        user_pk, user_sk = UserItem.keys(tenant, user_id)
        submission_pk, submission_sk = SubmissionItem.keys(tenant, submission_id)
        if entry.event_id is None:
            audit = audit_entry(tenant, "submission", submission_id, "minter", "paid", None, PAID, tx_hash)
        else:
            audit = audit_entry(tenant, "event", entry.event_id, "minter", "bonus paid", None, PAID, tx_hash)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                entry,
                actions=[LedgerItem.state.set(PAID), _set_or_remove(LedgerItem.tx_hash, tx_hash)],
                condition=LedgerItem.state != PAID,
            )
            transaction.update(
                UserCounters(user_pk, user_sk),
                actions=[
                    UserCounters.balance_pending.add(-entry.amount),
                    UserCounters.balance_minted.add(entry.amount),
                ],
            )
            if entry.event_id is None:  # a check-in's bonus has no submission
                transaction.update(
                    SubmissionPayout(submission_pk, submission_sk),
                    actions=[_set_or_remove(SubmissionPayout.mint_tx, tx_hash)],
                    condition=SubmissionPayout.pk.exists(),
                )
            transaction.save(audit)

        transact(write)
        return True

    def ledger_lines(self, tenant: str) -> Iterator[LedgerLine]:
        """Every reward of the tenant, user by user (an operator's audit, not a request path)."""
        for user in UserItem.gsi1.query(tenant_key(tenant, "USERS")):
            for entry in LedgerItem.query(
                tenant_key(tenant, "USER", user.user_id), LedgerItem.sk.startswith("LEDGER#")
            ):
                yield LedgerLine(
                    tenant, user.user_id, entry.submission_id, int(entry.amount), entry.state, entry.tx_hash
                )

    def tenants(self) -> list[str]:
        """Every tenant that granted a reward (listed by the stream's aggregator, a few seconds after the first)."""
        return listed_tenants(Listing.REWARDED)

    def every_tenants_lines(self) -> Iterator[LedgerLine]:
        """Every reward of every tenant, tenant by tenant (the scheduled reconcile's whole ledger)."""
        for tenant in self.tenants():
            yield from self.ledger_lines(tenant)

    def record_mint_failure(self, tenant: str, user_id: str, submission_id: str, reason: str) -> None:
        """Approved but unpaid: the ledger entry says why, for admins to see and retry."""
        pk, sk = LedgerItem.keys(tenant, user_id, submission_id)
        LedgerItem(pk, sk).update(
            actions=[LedgerItem.state.set("mint_failed"), LedgerItem.reason.set(reason[:500])],
            condition=LedgerItem.pk.exists() & (LedgerItem.state != PAID),
        )


def _set_or_remove(attribute: UnicodeAttribute, value: str | None) -> Action:
    """A transaction's hash is unknown when an earlier run minted the claim: the attribute is then left empty."""
    return attribute.remove() if value is None else attribute.set(value)
