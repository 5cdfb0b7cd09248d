"""SQS FIFO (one writer: one message group, and reserved concurrency 1 with ReserveConcurrency): pay a batch of
approved rewards on chain.

Powertools' SqsFifoPartialProcessor owns the queue's failure rule: the first record that must come back, and
every record after it, is reported in batchItemFailures, so the queue keeps its order. Its record handler sees
one record at a time, but one mintForClaims transaction pays the whole batch; so the batch is read and paid
first, and the record handler only says whether each record is done with.
"""

from functools import cache, partial

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parameters import get_secret
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.ports import ChainUnavailable
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse.config import deployment
from ecopulse.observability import logger, metrics, tracer
from ecopulse.payouts import MintRequest, UnreadableRequest, pay
from ecopulse.store.claims import DynamoDBClaimStore
from ecopulse.store.rewards import RewardRepository
from ecopulse.workflow import TaskClosed, TaskTokens


@cache
def minter() -> Minter:
    """Built on the first batch, once per container: reading the key needs the network, importing must not."""
    config = deployment()
    chain = Web3Chain(
        config.chain_rpc_url,
        config.chain_id,
        config.token_address,
        get_secret(config.minter_key_secret_id),
        finality=config.chain_finality,
        min_priority_fee=config.chain_min_priority_fee_wei,
    )
    minter_settings = MinterSettings(
        max_batch=config.mint_max_batch,
        receipt_timeout=config.mint_receipt_timeout_seconds,
        poll_interval=config.mint_poll_seconds,
        max_replacements=config.mint_max_replacements,
    )
    return Minter(chain, DynamoDBClaimStore(), minter_settings)


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
processor = SqsFifoPartialProcessor()


class NotDone(Exception):
    """The record must come back: unreadable, or its claim not settled on chain yet."""


def readable_requests(records: list[dict]) -> list[MintRequest]:
    """The requests before the first poison message: it, and everything after it, come back unpaid."""
    requests = []
    for record in records:
        try:
            requests.append(MintRequest.from_message(record["messageId"], record["body"]))
        except UnreadableRequest:
            logger.exception("unreadable mint request", extra={"message_id": record["messageId"]})
            break
    return requests


def pay_batch(requests: list[MintRequest]) -> set[str]:
    """Pays the requests in one go; returns the ids of the messages done with (paid or failed for good)."""
    try:
        retry = set(pay(requests, minter(), ledger, callbacks))
    except ChainUnavailable:
        logger.warning("chain unavailable; the batch comes back after the visibility timeout")
        retry = {request.message_id for request in requests}
    metrics.add_metric(name="MintRequests", unit="Count", value=len(requests))
    metrics.add_metric(name="MintRetries", unit="Count", value=len(retry))
    return {request.message_id for request in requests} - retry


def confirm_done(done: set[str], record: SQSRecord) -> None:
    if record.message_id not in done:
        raise NotDone(record.message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    done = pay_batch(readable_requests(event["Records"]))
    record_handler = partial(confirm_done, done)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
