"""How urgent an open report is, from what it was filed as and how many people say they saw it too.

A report's **points** are

* its base priority as filed: low 0, normal 2, high 5, urgent 10;
* plus one for each citizen who agrees it is there, minus one for each who disputes it;
* plus two for each duplicate merged into it whose reporter had not already corroborated it (another citizen who
  went there, took a photo and filed: an independent witness).

The queues add **one point per day the report has waited**, so a report nobody corroborates still rises. Because
every report ages at the same rate, that order never changes with the clock: at any moment, a report with ``p``
points filed at ``t`` is ahead of one with ``q`` points filed at ``u`` exactly when ``t - p days`` is earlier than
``u - q days``. That moment, the report's *queue rank* (milliseconds since the epoch), is stored with the report and is
the sort key of the queue index; a vote or a merge adds to the points and takes the same number of days off the
rank, in the vote's or merge's own transaction and without reading either first.
"""

from datetime import datetime

from ecopulse.reports import Report

BASE_POINTS = {"low": 0, "normal": 2, "high": 5, "urgent": 10}
WITNESS_POINTS = 2
SECONDS_PER_POINT = 86_400
"""One point is worth one day of waiting."""
_RANK_UNITS_PER_SECOND = 1_000


def base_points(priority: str) -> int:
    return BASE_POINTS.get(priority, BASE_POINTS["normal"])


def points(priority: str, votes_up: int, votes_down: int, witnesses: int = 0) -> int:
    """The report's points by the rule above, for a report whose stored points predate it or to check them."""
    return base_points(priority) + votes_up - votes_down + WITNESS_POINTS * witnesses


def points_of(report: Report) -> int:
    """The stored points, or the rule's for a report stored before points were kept."""
    if report.priority_points is not None:
        return report.priority_points
    return points(report.priority, report.votes_up, report.votes_down)


def queue_rank(created_at: datetime, report_points: int) -> int:
    """When the report would have been filed had it no points: the smaller, the sooner it is handled."""
    return round(created_at.timestamp() * _RANK_UNITS_PER_SECOND) + rank_change(report_points)


def rank_change(points_added: int) -> int:
    """What a change of ``points_added`` points does to the queue rank."""
    return -points_added * SECONDS_PER_POINT * _RANK_UNITS_PER_SECOND


def score(report_points: int, created_at: datetime, now: datetime) -> float:
    """The points with the days waited: what the queue orders by, shown to staff."""
    return report_points + max((now - created_at).total_seconds(), 0) / SECONDS_PER_POINT
