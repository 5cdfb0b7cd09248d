"""The aggregates checked against the items they count: a recount by Query (no scan), and the table's stream read
and added in process, as ``AggregateFunction`` adds it, for suites that run the store without the runtime."""

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from ecopulse.aggregates import count_change
from ecopulse.reports import ReportStatus
from ecopulse.store.analytics import AnalyticsRepository
from ecopulse.store.models import AuditItem, ReportItem, SubmissionItem, VoteItem, _Item, tenant_key
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.stats import AggregateRepository, change_of, kind_of
from ecopulse_local.event_sources import stream_record

RECOUNTED = (
    "reports_created", "reports_dispatched", "reports_resolved", "reports_rejected", "reports_confirmed",
    "reports_merged", "reports_reopened", "votes",
    "submissions_received", "submissions_approved", "submissions_rejected", "rewards_granted", "rewards_minted",
)  # fmt: skip
REPORT_ACTIONS = {
    "dispatched": "reports_dispatched", "resolved": "reports_resolved", "rejected": "reports_rejected",
    "confirmed": "reports_confirmed", "duplicate": "reports_merged", "reopened": "reports_reopened",
}  # fmt: skip
SUBMISSION_ACTIONS = {"received": "submissions_received", "approved": "submissions_approved"}


def _trail(pk: str) -> list[AuditItem]:
    return list(AuditItem.query(pk, AuditItem.sk.startswith("AUDIT#")))


def recount(tenant: str, days: Iterable[date]) -> dict[str, Any]:
    """The counters, zones and heat cells as the items say, read by Query: reports by status (every status, so a
    report is found wherever it is), their history and votes; the submissions opened on ``days`` and their history;
    the ledger of every user."""
    totals: Counter[str] = Counter()
    zones: Counter[str] = Counter()
    heat: Counter[str] = Counter()
    for status in ReportStatus:
        for report in ReportItem.gsi1.query(tenant_key(tenant, "REPORTS", status.value)):
            totals["reports_created"] += 1
            zones[report.zone or ""] += 1
            heat[report.geohash] += 1
            for entry in _trail(report.pk):
                if entry.action in REPORT_ACTIONS:
                    totals[REPORT_ACTIONS[entry.action]] += 1
            totals["votes"] += sum(1 for _ in VoteItem.query(report.pk, VoteItem.sk.startswith("VOTE#")))
    for day in days:
        for submission in SubmissionItem.gsi2.query(tenant_key(tenant, "SUBMISSIONS", day.isoformat())):
            for entry in _trail(submission.pk):
                if entry.action in SUBMISSION_ACTIONS:
                    totals[SUBMISSION_ACTIONS[entry.action]] += 1
                elif entry.action == "rejected" and entry.actor != "intake":
                    totals["submissions_rejected"] += 1
    for line in RewardRepository().ledger_lines(tenant):
        totals["rewards_granted"] += line.amount
        totals["rewards_minted"] += line.amount if line.state == "paid" else 0
    zones.pop("", None)
    return {
        "totals": {name: totals[name] for name in RECOUNTED},
        "zones": dict(zones),
        "heat": dict(heat),
    }


def aggregated(tenant: str, zone_ids: Iterable[str]) -> dict[str, Any]:
    """The same figures as the aggregates hold them."""
    analytics = AnalyticsRepository()
    totals = analytics.totals(tenant)
    zones = analytics.zones(tenant, list(zone_ids))
    return {
        "totals": {name: int(totals[name]) for name in RECOUNTED},
        "zones": {
            zone: int(counters["reports_created"]) for zone, counters in zones.items() if counters["reports_created"]
        },
        "heat": {cell.geohash: cell.reports for cell in analytics.heat_cells(tenant, None, 10_000)},
    }


def stream_records(endpoint: str, table: str) -> list[dict[str, Any]]:
    """Every record the table's stream holds, shard by shard in order, as GetRecords gives them."""
    options = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    stream_arn = boto3.client("dynamodb", **options, **credentials).describe_table(TableName=table)["Table"][
        "LatestStreamArn"
    ]
    streams = boto3.client("dynamodbstreams", **options, **credentials)
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(answer["Records"])
            iterator = answer.get("NextShardIterator") if answer["Records"] else None
    return records


def add_to_aggregates(records: list[dict[str, Any]]) -> int:
    """Adds GetRecords' records as the aggregator is given them (Lambda's event shape, read by Powertools); how many
    added something (a record added before adds nothing)."""
    aggregates, added = AggregateRepository(), 0
    for raw in records:
        record = DynamoDBRecord(stream_record(raw, "", "us-east-1"))
        stream = record.dynamodb
        if stream is None or kind_of(stream.keys or {}) is None:  # what the event source's filter keeps out
            continue
        change = change_of(stream.keys or {}, stream.old_image, stream.new_image, stream.approximate_creation_date_time)
        if change is not None and count_change(aggregates, str(record.event_id), change) is not None:
            added += 1
    return added


def aggregate_stream(endpoint: str, table: str) -> int:
    """Adds what the stream holds to the aggregates (again from its start: what was added adds nothing)."""
    return add_to_aggregates(stream_records(endpoint, table))


def point_models_at(endpoint: str, table: str) -> None:
    """Every item model (they share ``_Item``'s Meta) reads ``table`` at ``endpoint``: a running system's
    DynamoDB Local, for a bench that recounts its items."""
    _Item.Meta.table_name = table
    _Item.Meta.host = endpoint
    _Item.Meta.aws_access_key_id = "local"
    _Item.Meta.aws_secret_access_key = "local"
