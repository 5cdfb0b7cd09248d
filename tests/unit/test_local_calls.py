"""What the runtime's call counter records of DynamoDB's refusals (a cancelled transaction by each reason, any other
error by its code, nothing for a call that succeeded) and of the items each transaction writes."""

from ecopulse_local.calls import _Counter


def test_a_cancelled_transaction_counts_its_reasons_and_a_failed_condition_its_code():
    counter = _Counter()
    cancelled = {
        "Error": {"Code": "TransactionCanceledException"},
        "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}, {"Code": "ConditionalCheckFailed"}],
    }
    counter._count("after-call.dynamodb.TransactWriteItems", parsed=cancelled)
    counter._count("after-call.dynamodb.PutItem", parsed={"Error": {"Code": "ConditionalCheckFailedException"}})
    counter._count("after-call.dynamodb.GetItem", parsed={"Item": {}})
    transaction = type("Operation", (), {"name": "TransactWriteItems", "input_shape": None})()
    counter._ask_for_capacity({"TransactItems": [{"Put": {}}, {"Update": {}}]}, transaction)
    report = counter.report(handler_ms=1.0)
    assert report["refused"] == {
        "TransactionConflict": 1,
        "ConditionalCheckFailed": 1,
        "ConditionalCheckFailedException": 1,
    }
    assert report["dynamodb"] == {"TransactWriteItems": 1, "PutItem": 1, "GetItem": 1}
    assert report["transaction_items"] == 2
    counter.reset()
    assert (counter.report(handler_ms=1.0)["refused"], counter.report(handler_ms=1.0)["transaction_items"]) == ({}, 0)
