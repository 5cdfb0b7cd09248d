"""Paying approved rewards: mint requests from the queue become claims, the minter pays them, and each
request's workflow (if it waits) hears the outcome once the chain has it."""

import json
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import TypeAdapter

from ecopulse.chain.claims import Claim, ClaimState, InvalidClaim
from ecopulse.chain.outcome import MintOutcome


class Claims(Protocol):
    def mint(self, claims: list[Claim], until: float | None = None) -> list[Claim]: ...


class Ledger(Protocol):
    def record_payout(self, tenant: str, user_id: str, submission_id: str, tx_hash: str | None) -> bool: ...

    def record_mint_failure(self, tenant: str, user_id: str, submission_id: str, reason: str) -> None: ...


class Callbacks(Protocol):
    def resume(self, task_token: str, output: dict[str, Any]) -> None: ...

    def fail(self, task_token: str, error: str, cause: str) -> None: ...


@dataclass(frozen=True)
class MintRequest:
    """One queue message: a reward to pay, and the task token of the workflow waiting for it, if any."""

    message_id: str
    tenant: str
    user_id: str
    submission_id: str
    wallet: str
    amount: int
    task_token: str | None = None

    @classmethod
    def from_message(cls, message_id: str, body: str) -> "MintRequest":
        """The request a queue message carries; UnreadableRequest when the body is not one (a poison message)."""
        try:
            fields = json.loads(body)
            return _REQUEST.validate_python({**fields, "message_id": message_id})
        except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
            raise UnreadableRequest(f"message {message_id} is not a mint request: {error}") from error


class UnreadableRequest(ValueError):
    pass


_REQUEST = TypeAdapter(MintRequest)


def pay(
    requests: list[MintRequest], minter: Claims, ledger: Ledger, callbacks: Callbacks, until: float | None = None
) -> list[str]:
    """Pays what it can by ``until`` (see Minter.mint); returns the ids of messages to deliver again (claims still
    in flight or pending).

    A request that can never be paid (bad wallet or id) fails its workflow at once instead of retrying.
    """
    payable: list[tuple[MintRequest, Claim]] = []
    for request in requests:
        try:
            payable.append((request, Claim.new(request.submission_id, request.tenant, request.wallet, request.amount)))
        except InvalidClaim as error:
            ledger.record_mint_failure(request.tenant, request.user_id, request.submission_id, str(error))
            if request.task_token:
                callbacks.fail(request.task_token, "MintFailed", str(error))
    settled = {claim.claim_id: claim for claim in minter.mint([claim for _, claim in payable], until)}
    retry = []
    for request, claim in payable:
        outcome = settled[claim.claim_id]
        if outcome.state is ClaimState.CONFIRMED:
            ledger.record_payout(request.tenant, request.user_id, request.submission_id, outcome.mined_in)
            if request.task_token:
                paid = outcome.outcome or MintOutcome.MINTED
                callbacks.resume(request.task_token, {"outcome": paid.value, "tx_hash": outcome.mined_in})
        elif outcome.state is ClaimState.FAILED:
            ledger.record_mint_failure(request.tenant, request.user_id, request.submission_id, outcome.failure or "")
            if request.task_token:
                callbacks.fail(request.task_token, "MintFailed", outcome.failure or "the mint failed")
        else:
            retry.append(request.message_id)
    return retry
