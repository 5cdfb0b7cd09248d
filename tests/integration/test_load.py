"""The load tool's two phases, briefly, against `ecopulse local`: steady mixed traffic served without an error,
and a burst of uploads each verified, approved and minted exactly once."""

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

from load import mixed_traffic, upload_burst  # noqa: E402


@pytest.mark.slow
def test_mixed_citizen_and_admin_traffic_at_a_steady_rate_is_served_without_an_error(local_system):
    phase = mixed_traffic(local_system, rate=10, duration=10)
    assert phase.problems == []
    served = phase.rows["all routes"]
    assert (served["requests"], served["bad status"], served["no answer"]) == (100, 0, 0)
    assert set(phase.rows) >= {"GET /me", "POST /reports", "POST /reports/{id}/votes", "GET /admin/review-queue"}


@pytest.mark.slow
def test_a_burst_of_uploads_is_each_minted_once_and_paid_in_the_ledger(local_system):
    phase = upload_burst(local_system, uploads=8)
    assert phase.problems == []
    assert phase.rows["upload -> minted (s)"]["minted"] == 8
