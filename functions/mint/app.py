"""SQS FIFO (one writer, reserved concurrency 1): pay a batch of approved rewards on chain."""

import json
import os
from functools import cache

from aws_lambda_powertools.utilities.parameters import get_secret
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SqsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.ports import ChainUnavailable
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse.observability import logger, metrics, tracer
from ecopulse.payouts import MintRequest, pay
from ecopulse.store.claims import DynamoDBClaimStore
from ecopulse.store.rewards import RewardRepository
from ecopulse.workflow import TaskClosed, TaskTokens


@cache
def minter() -> Minter:
    """Built on the first batch, once per container: reading the key needs the network, importing must not."""
    chain = Web3Chain(
        os.environ["CHAIN_RPC_URL"],
        int(os.environ["CHAIN_ID"]),
        os.environ["TOKEN_ADDRESS"],
        get_secret(os.environ["MINTER_KEY_SECRET_ID"]),
        finality=os.environ.get("CHAIN_FINALITY", "finalized"),
        min_priority_fee=int(os.environ.get("CHAIN_MIN_PRIORITY_FEE_WEI", "0")),
    )
    settings = MinterSettings(
        max_batch=int(os.environ.get("MINT_MAX_BATCH", "10")),
        receipt_timeout=float(os.environ.get("MINT_RECEIPT_TIMEOUT_SECONDS", "60")),
        poll_interval=float(os.environ.get("MINT_POLL_SECONDS", "1")),
        max_replacements=int(os.environ.get("MINT_MAX_REPLACEMENTS", "3")),
    )
    return Minter(chain, DynamoDBClaimStore(), settings)


ledger = RewardRepository()


class Callbacks:
    """Answers a waiting workflow; a token already answered (a redelivered message) is not an error."""

    def __init__(self) -> None:
        self._workflow = TaskTokens()

    def resume(self, task_token: str, output: dict) -> None:
        self._answer(self._workflow.resume, task_token, output)

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._answer(self._workflow.fail, task_token, error, cause)

    @staticmethod
    def _answer(send, *arguments) -> None:
        try:
            send(*arguments)
        except TaskClosed as closed:
            logger.info("workflow no longer waiting", extra={"code": str(closed)})


callbacks = Callbacks()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=SqsModel)
def handler(event: SqsModel, context: LambdaContext) -> dict:
    requests = []
    for record in event.Records:
        body = json.loads(record.body)
        requests.append(MintRequest(message_id=record.messageId, **body))
    try:
        retry = set(pay(requests, minter(), ledger, callbacks))
    except ChainUnavailable:
        logger.warning("chain unavailable; the batch comes back after the visibility timeout")
        retry = {request.message_id for request in requests}
    metrics.add_metric(name="MintRequests", unit="Count", value=len(requests))
    metrics.add_metric(name="MintRetries", unit="Count", value=len(retry))
    # FIFO: once a message must come back, every later one in the batch comes back with it, in order.
    first = next((i for i, request in enumerate(requests) if request.message_id in retry), None)
    failures = [] if first is None else [request.message_id for request in requests[first:]]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
