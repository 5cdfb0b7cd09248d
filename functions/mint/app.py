"""SQS FIFO (one writer: one message group, and reserved concurrency 1 with ReserveConcurrency): pay a batch of
approved rewards on chain.

Powertools' SqsFifoPartialProcessor owns the queue's failure rule: the first record that must come back, and
every record after it, is reported in batchItemFailures, so the queue keeps its order. Its record handler sees
one record at a time, but one mintForClaims transaction pays the whole batch; so the batch is read and paid
first, and the record handler only says whether each record is done with.

One delivery holds at most ten messages; the handler takes more from the queue itself, up to MINT_MAX_BATCH, so
that one transaction pays as many claims as the gas cap allows. It deletes those it settled and releases the
rest of each of their message groups from the first it did not settle, so the queue keeps each group's order.

The key is a KMS key the function may only sign with. Before its first transaction a container checks that the
node is on the configured chain, the token has code and the key holds MINTER_ROLE (and gas); until it does,
every batch comes back unpaid with a MinterMisconfigured metric and error, and no gas is spent.
"""

import time
from contextlib import suppress
from functools import cache, partial

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.chain.kms_signer import KmsSigner
from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.ports import ChainUnavailable
from ecopulse.chain.readiness import MinterMisconfigured, check_minter
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse.config import deployment
from ecopulse.mint_queue import MintQueue, QueuedMessage
from ecopulse.observability import logger, metrics, tracer
from ecopulse.payouts import MintRequest, UnreadableRequest, pay
from ecopulse.store.claims import DynamoDBClaimStore
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.send_lease import DynamoDBSendLease
from ecopulse.workflow import TaskClosed, TaskTokens

FINISHING_SECONDS = 15
"""Kept back from the invocation's remaining time for recording payouts and answering the workflows."""
LEASE_POLL_SECONDS = 0.5
"""How often an invocation asks again for the send lease another one holds."""


@cache
def chain() -> Web3Chain:
    """The adapter for this deployment's node, token and KMS key; reading the key needs the network, so it is
    built on the first batch, not on import."""
    config = deployment()
    return Web3Chain(
        config.chain_rpc_url,
        config.chain_id,
        config.token_address,
        KmsSigner(config.minter_key_id),
        finality=config.chain_finality,
        min_priority_fee=config.chain_min_priority_fee_wei,
    )


@cache
def minter() -> Minter:
    """Built once per container, after the chain passed ``check_minter``; a refusal is not cached, so the next
    batch asks again and a fixed set-up is picked up without a redeploy."""
    config = deployment()
    check_minter(chain(), config.chain_id)
    minter_settings = MinterSettings(
        max_batch=config.mint_max_batch,
        receipt_timeout=config.mint_receipt_timeout_seconds,
        poll_interval=config.mint_poll_seconds,
        max_replacements=config.mint_max_replacements,
        gas_cap=config.mint_gas_cap,
    )
    return Minter(chain(), DynamoDBClaimStore(), minter_settings)


@cache
def send_lease() -> DynamoDBSendLease:
    """The key's send lease: with no reserved concurrency, several invocations may run, and one at a time sends."""
    return DynamoDBSendLease(chain().address)


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


@cache
def queue() -> MintQueue | None:
    """The mint queue, to take more of its messages than a delivery holds; None where no URL is set."""
    url = deployment().mint_queue_url
    return MintQueue(url) if url else None


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


def pay_batch(requests: list[MintRequest], until: float | None = None, owner: str = "mint") -> set[str]:
    """Pays the requests in one go by ``until`` (monotonic clock), holding the key's send lease as ``owner``;
    returns the ids of the messages done with (paid or failed for good)."""
    try:
        paying = minter()
        if hold_send_lease(owner, until):
            try:
                record_gas_balance()
                retry = set(pay(requests, paying, ledger, callbacks, until))
            finally:
                send_lease().release(owner)
        else:
            logger.info("another invocation held the minter's send lease throughout; the batch comes back")
            retry = {request.message_id for request in requests}
    except MinterMisconfigured as refused:
        config = deployment()
        logger.error(
            "the minter refuses to send anything until its set-up is fixed",
            extra={"reason": str(refused), "chain_id": config.chain_id, "token_address": config.token_address},
        )
        metrics.add_metric(name="MinterMisconfigured", unit="Count", value=1)
        retry = {request.message_id for request in requests}
    except ChainUnavailable:
        logger.warning("chain unavailable; the batch comes back after the visibility timeout")
        retry = {request.message_id for request in requests}
    metrics.add_metric(name="MintRequests", unit="Count", value=len(requests))
    metrics.add_metric(name="MintRetries", unit="Count", value=len(retry))
    return {request.message_id for request in requests} - retry


def hold_send_lease(owner: str, until: float | None) -> bool:
    """Waits for the send lease until ``until``; it lasts until the invocation ends, should its holder crash."""
    remaining = 300.0 if until is None else until - time.monotonic()
    expires_at = time.time() + max(0.0, remaining) + FINISHING_SECONDS
    while not send_lease().acquire(owner, expires_at):
        if until is None or time.monotonic() + LEASE_POLL_SECONDS > until:
            return False
        time.sleep(LEASE_POLL_SECONDS)
    return True


def record_gas_balance() -> None:
    """The minter's POL before each batch, for the alarm that warns before it runs dry; a node that does not
    answer leaves the data point out, and the batch finds out for itself."""
    with suppress(ChainUnavailable):
        metrics.add_metric(name="MinterGasBalance", unit="None", value=chain().gas_balance() / 10**18)


def taken_requests(messages: list[QueuedMessage]) -> list[MintRequest]:
    """The requests of the messages taken from the queue; an unreadable one is left for the event source's
    delivery, where the poison rule applies."""
    requests = []
    for message in messages:
        with suppress(UnreadableRequest):
            requests.append(MintRequest.from_message(message.message_id, message.body))
    return requests


def settle_taken(mint_queue: MintQueue, messages: list[QueuedMessage], done: set[str]) -> None:
    """Deletes the messages done with; in each group, the first one that is not and all after it are released."""
    held_back: set[str] = set()
    finished, released = [], []
    for message in messages:
        if message.group in held_back or message.message_id not in done:
            held_back.add(message.group)
            released.append(message)
        else:
            finished.append(message)
    mint_queue.delete(finished)
    mint_queue.release(released)


def confirm_done(done: set[str], record: SQSRecord) -> None:
    if record.message_id not in done:
        raise NotDone(record.message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    until = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - FINISHING_SECONDS
    requests = readable_requests(event["Records"])
    mint_queue = queue()
    taken = mint_queue.take(deployment().mint_max_batch - len(requests)) if mint_queue and requests else []
    done = pay_batch(requests + taken_requests(taken), until, context.aws_request_id)
    if mint_queue:
        settle_taken(mint_queue, taken, done)
    record_handler = partial(confirm_done, done)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
