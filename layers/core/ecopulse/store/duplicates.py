"""The ``Merges`` port of ``ecopulse.duplicates`` on DynamoDB: a report's side of a merge read in one query of its
partition, the merge written in one transaction (or, past DynamoDB's 100 items, as a sequence that can be repeated),
and the queue of a status read off the ``queue`` index, most urgent first."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse import priority
from ecopulse.duplicates import MERGEABLE, MergePlan, ReportSide
from ecopulse.paging import Page
from ecopulse.reports import Report, ReportNotFound, ReportStatus
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import FollowerItem, ReportCounters, ReportItem, VoteItem, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.report_notices import FOLLOWER_PREFIX, VOTE_PREFIX, follows_key
from ecopulse.store.reports import points_added, report_of, stored
from ecopulse.store.transactions import ConcurrentChange, failed_on_condition, transact

TRANSACTION_ITEMS = 100
"""DynamoDB's limit on the items of one transaction."""
_MERGE_ITEMS = 4
"""The duplicate, the master and an entry in each one's history."""

Move = VoteItem | FollowerItem


def _partition(tenant: str, report_id: str) -> Iterator[dict[str, Any]]:
    """The report's item, votes and followers: its partition from ``FOLLOWER#`` on (its history sorts before)."""
    connection = ReportItem._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(
            tenant_key(tenant, "REPORT", report_id),
            range_key_condition=ReportItem.sk >= FOLLOWER_PREFIX,
            consistent_read=True,
            exclusive_start_key=start,
        )
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


class MergeRepository:
    def side(self, tenant: str, report_id: str) -> ReportSide:
        report: Report | None = None
        votes: dict[str, bool] = {}
        followers: set[str] = set()
        for raw in _partition(tenant, report_id):
            sort_key = raw["sk"]["S"]
            if sort_key == "REPORT":
                report = report_of(ReportItem.from_raw_data(raw))
            elif sort_key.startswith(VOTE_PREFIX):
                vote = VoteItem.from_raw_data(raw)
                votes[vote.voter_id] = vote.value == "up"
            elif sort_key.startswith(FOLLOWER_PREFIX):
                followers.add(FollowerItem.from_raw_data(raw).user_id)
        if report is None:
            raise ReportNotFound(report_id)
        return ReportSide(report, votes, frozenset(followers))

    def merge(self, tenant: str, plan: MergePlan, actor: str) -> None:
        master_id = plan.master.report_id
        moves: list[Move] = [
            VoteItem(
                *VoteItem.keys(tenant, master_id, voter),
                tenant=tenant, voter_id=voter, value="up" if agrees else "down",
            )
            for voter, agrees in plan.votes
        ] + [
            FollowerItem(
                *FollowerItem.keys(tenant, master_id, person),
                tenant=tenant, user_id=person, gsi3pk=follows_key(tenant, person), gsi3sk=master_id,
            )
            for person in plan.followers
        ]  # fmt: skip
        master = plan.master
        # Past one transaction's items, what moves goes first, each batch with the votes it adds to the master.
        while len(moves) > TRANSACTION_ITEMS - _MERGE_ITEMS:
            batch, moves = moves[: TRANSACTION_ITEMS - 1], moves[TRANSACTION_ITEMS - 1 :]
            added = self._write(tenant, master, batch)
            master = replace(master, priority_points=priority.points_of(master) + added)
        self._write(tenant, master, moves, plan, actor)

    def _write(
        self,
        tenant: str,
        master: Report,
        moves: list[Move],
        plan: MergePlan | None = None,
        actor: str = "",
    ) -> int:
        """One transaction: the moves, the votes and points they add to the master, and with the plan the merge.
        Returns the points added."""
        votes = [move for move in moves if isinstance(move, VoteItem)]
        up = sum(1 for vote in votes if vote.value == "up")
        down = len(votes) - up
        added = up - down + (priority.WITNESS_POINTS if plan and plan.witness else 0)
        points, points_condition = points_added(master, added)
        now = utcnow()
        actions: list[Action] = [
            ReportCounters.votes_up.add(up),
            ReportCounters.votes_down.add(down),
            ReportCounters.updated_at.set(now),
            *points,
        ]
        if plan:
            actions.append(ReportCounters.duplicates_merged.add(1))
            if plan.photo_keys:
                actions.append(ReportCounters.photo_keys.set(ReportCounters.photo_keys.append(list(plan.photo_keys))))
        open_statuses = [status.value for status in MERGEABLE]

        def write(transaction: TransactWrite) -> None:
            for move in moves:
                if isinstance(move, VoteItem):
                    transaction.save(move, condition=VoteItem.sk.does_not_exist())
                else:
                    transaction.save(move)
            transaction.update(
                ReportCounters(*ReportItem.keys(tenant, master.report_id)),
                actions=actions,
                condition=ReportCounters.status.is_in(*open_statuses) & points_condition,
            )
            if plan:
                self._mark_duplicate(transaction, tenant, plan, actor, now)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise ConcurrentChange(f"report {master.report_id} or its duplicate changed meanwhile") from error
        return added

    @staticmethod
    def _mark_duplicate(transaction: TransactWrite, tenant: str, plan: MergePlan, actor: str, now: Any) -> None:
        duplicate, master_id = plan.duplicate, plan.master.report_id
        said = f": {plan.reason}" if plan.reason else ""
        transaction.update(
            stored(tenant, duplicate),
            actions=[
                ReportItem.status.set(ReportStatus.DUPLICATE.value),
                ReportItem.merged_into.set(master_id),
                ReportItem.updated_at.set(now),
                ReportItem.gsi1pk.set(tenant_key(tenant, "REPORTS", ReportStatus.DUPLICATE.value)),
            ],
            # The votes it had when read are the votes that moved: one cast since fails the merge.
            condition=ReportItem.status.is_in(*[status.value for status in MERGEABLE])
            & (ReportItem.votes_up == duplicate.votes_up)
            & (ReportItem.votes_down == duplicate.votes_down),
        )
        transaction.save(
            audit_entry(
                tenant, "report", duplicate.report_id, actor, ReportStatus.DUPLICATE.value,
                duplicate.status, ReportStatus.DUPLICATE, f"merged into {master_id}{said}",
            )
        )  # fmt: skip
        transaction.save(
            audit_entry(
                tenant, "report", master_id, actor, "merged", duplicate.report_id, master_id,
                f"{duplicate.report_id} merged into it{said}",
            )
        )  # fmt: skip

    def by_priority(self, tenant: str, status: ReportStatus, limit: int, cursor: str | None) -> Page[Report]:
        page: Page[ReportItem] = paged(ReportItem.queue.query, tenant, ("REPORTS", status.value), limit, cursor)
        return Page([report_of(item) for item in page.items], page.cursor)


def rank_unranked(tenant: str) -> int:
    """Gives the city's open reports stored before points were kept their points and queue rank, so that the queue
    lists them (a vote or merge would, at the latest). Reads each open status's partition of gsi1, never a scan;
    run once after deploying this version, and again at will: a ranked report is left as it is."""
    ranked = 0
    for status in MERGEABLE:
        unranked = ReportItem.gsi1.query(
            tenant_key(tenant, "REPORTS", status.value), filter_condition=ReportItem.queue_rank.does_not_exist()
        )
        for item in unranked:
            report = report_of(item)
            actions, not_ranked = points_added(report, 0)
            try:
                ReportCounters(*ReportItem.keys(tenant, report.report_id)).update(actions=actions, condition=not_ranked)
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                continue
            ranked += 1
    return ranked
