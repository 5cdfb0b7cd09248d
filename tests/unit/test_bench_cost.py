"""bench/cost.py prices every invocation a journey set off, not only its API calls: the stream's batches and the
photo's verification are Lambda requests, GB-s and capacity like any route's."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import cost  # noqa: E402
from pytest import approx  # noqa: E402

MEMORY_GB = {"ReportsApiFunction": 0.5, "AggregateFunction": 0.125}


def figures(function: str, invocations: int = 1, wcu: float = 0.0, aws: dict[str, int] | None = None) -> dict:
    return {
        "invocations": invocations,
        "rcu": 0.0,
        "wcu": wcu,
        "aws": aws or {},
        "handler_ms": 100.0,
        "functions": [function],
    }


def test_a_journeys_stream_batches_are_priced_as_lambda_requests_without_api_gateway():
    api_only = {"report filed": {"citizen: POST /reports": figures("ReportsApiFunction", wcu=2.0)}}
    with_batches = {
        "report filed": {
            **api_only["report filed"],
            "AggregateFunction": figures("AggregateFunction", invocations=2, wcu=6.0),
        }
    }
    before = cost.pipeline(api_only, "report filed", MEMORY_GB)
    after = cost.pipeline(with_batches, "report filed", MEMORY_GB)
    assert after["API Gateway"] == before["API Gateway"] == approx(cost.PRICES["http_api_request"].usd)
    batches_lambda = 2 * cost.PRICES["lambda_request"].usd + 0.1 * 0.125 * cost.PRICES["lambda_gb_s_arm64"].usd
    assert after["Lambda"] - before["Lambda"] == approx(batches_lambda)
    assert after["DynamoDB"] - before["DynamoDB"] == approx(6.0 * cost.PRICES["dynamodb_wru"].usd)


def test_the_copies_a_verification_writes_are_priced_as_s3_puts():
    verified = {"report filed": {"VerifyUploadFunction": figures("VerifyUploadFunction", aws={"s3:PutObject": 2})}}
    priced = cost.pipeline(verified, "report filed", {"VerifyUploadFunction": 1.0})
    assert priced["S3"] == approx(2 * cost.PRICES["s3_put"].usd)
