"""Round-trip budgets of the hot routes, counted by the local runtime per request (ecopulse_local.calls): a
route that starts reading item by item, or scanning, fails here before it reaches a city's bill. A round trip is
one wait for DynamoDB: queries sent together count once as a round trip and each as a call."""

import sys
from pathlib import Path

import httpx
import pytest

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

from calls import LAHORE, Counted, measure_routes  # noqa: E402

from ecopulse.geo import MAX_NEARBY_RADIUS_M, cells_covering  # noqa: E402
from ecopulse.reports import ReportStatus  # noqa: E402

CITIZEN_ROUTE_BUDGET = 3
OPEN311_BUDGETS = {"open311: GET requests.json": 3, "citizen: GET /reports/nearby": 3}
# A report and a vote write only their own items, in one transaction each: the report and its history entry; the vote
# and the report's counters. The day's and all-time counters (of the city and of the zone), the heat cell and the list
# of tenants with reports, 4 to 6 more items in the same transaction before, follow the table's stream.
TODAYS_WRITES = {"citizen: POST /reports": 2, "citizen: POST /reports/{id}/votes": 2}
TODAYS_FIGURES = {
    "citizen: PUT /me/wallet": 4,
    "citizen: POST /events/{id}/join": 4,
    # The profile and the city's settings, the write, then the nearby index for possible duplicates (one cell at
    # the default 50 m, up to four).
    "citizen: POST /reports": 4,
    # The city's settings, then the index of each status at once.
    "open311: GET requests.json": 2,
    # The 12 index cells of a 5 km circle at once.
    "citizen: GET /reports/nearby": 1,
}
# The reads sent together still cost a call each: the settings and one per listed status (Open311 leaves merged
# duplicates out), one per cell.
TODAYS_CALLS = {
    "open311: GET requests.json": 1 + len(set(ReportStatus) - {ReportStatus.DUPLICATE}),
    "citizen: GET /reports/nearby": len(cells_covering(*LAHORE, MAX_NEARBY_RADIUS_M)),
}


@pytest.fixture(scope="module")
def route_calls(local_system) -> dict[str, dict]:
    return measure_routes(Counted(local_system))


def _budget(route: str) -> int:
    return TODAYS_FIGURES.get(route, OPEN311_BUDGETS.get(route, CITIZEN_ROUTE_BUDGET))


def test_every_citizen_route_stays_within_its_round_trips(route_calls):
    citizen_routes = {route: figures for route, figures in route_calls.items() if route.startswith("citizen:")}
    assert len(citizen_routes) >= 20
    over = {route: f["round_trips"] for route, f in citizen_routes.items() if f["round_trips"] > _budget(route)}
    assert over == {}


def test_open311_list_and_nearby_stay_within_their_round_trips(route_calls):
    assert {route: route_calls[route]["status"] for route in OPEN311_BUDGETS} == dict.fromkeys(OPEN311_BUDGETS, 200)
    over = {route: route_calls[route]["round_trips"] for route in OPEN311_BUDGETS}
    assert {route: trips for route, trips in over.items() if trips > _budget(route)} == {}


def test_routes_make_no_more_round_trips_than_today(route_calls):
    """Three routes still make more round trips than their aim, so their budget is today's figure: setting a wallet
    reads the profile, reads it again for its version before the update, and queries the unpaid rewards; joining
    an event reads the profile, then the event once for its end and once more for its capacity before the
    transaction; filing a report reads the profile and the city's settings, writes, and queries the nearby
    index for possible duplicates. The Open311 list and the nearby search are below their aim, and must stay as
    they are."""
    assert {route: route_calls[route]["round_trips"] for route in TODAYS_FIGURES} == TODAYS_FIGURES


def test_reads_sent_together_make_no_more_calls_than_today(route_calls):
    assert {route: route_calls[route]["calls"] for route in TODAYS_CALLS} == TODAYS_CALLS


def test_a_report_and_a_vote_write_only_their_own_items(route_calls):
    assert {route: route_calls[route]["transaction_items"] for route in TODAYS_WRITES} == TODAYS_WRITES


def test_no_route_scans_the_table(route_calls):
    assert {route for route, figures in route_calls.items() if "Scan" in figures["dynamodb"]} == set()


def test_a_route_reports_the_capacity_it_consumed(route_calls):
    """DynamoDB Local answers ReturnConsumedCapacity, which the runtime asks for on every call."""
    filed = route_calls["citizen: POST /reports"]
    assert filed["dynamodb"]["TransactWriteItems"] == 1
    assert filed["wcu"] > 0 and filed["rcu"] > 0


def test_the_runtime_forgets_its_call_records_when_asked(local_system):
    httpx.get(local_system.api + "/health").raise_for_status()
    assert httpx.delete(local_system.dashboard + "/local-runtime/calls").json() == []
