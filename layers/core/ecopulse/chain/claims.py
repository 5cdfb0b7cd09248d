"""What a reward claim is, how it is identified on chain, and which state may follow which.

Pure rules: no I/O. The claim id convention is the contract's (see contracts/EcoCoin.sol):
``claimId = keccak256(bytes(submissionUuid))`` over the UUID's canonical string, so every retry of a payout
lands on the same ``claimed`` slot and the contract pays it once.
"""

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from eth_hash.auto import keccak
from eth_utils import is_address, to_checksum_address

from ecopulse.chain.outcome import MintOutcome

TOKEN_DECIMALS = 18
# About 51k gas per claim in mintForClaims: 100 claims stay far below block gas limits and the 2**24 per
# transaction cap that Osaka (EIP-7825) brings.
MAX_BATCH_SIZE = 100
# Nodes (geth, bor) accept a same-nonce replacement only if both fee caps rise by at least 10%.
MIN_FEE_BUMP_PERCENT = 10


class InvalidClaim(ValueError):
    """A claim that can never be paid as given (bad id, wallet or amount); retrying does not help."""


class InvalidClaimTransition(Exception):
    """A state change the claim's life does not allow; a bug or a second writer, never retried blindly."""


class ClaimState(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"


def canonical_submission_id(submission_id: str) -> str:
    """The lowercase, hyphenated UUID string; any other spelling of the same UUID would hash differently."""
    try:
        return str(uuid.UUID(submission_id))
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidClaim(f"submission id {submission_id!r} is not a UUID") from error


def claim_id(submission_id: str) -> bytes:
    return keccak(canonical_submission_id(submission_id).encode())


def to_wei(tokens: Decimal | int | str) -> int:
    """Token units to the contract's integer amount; floats are refused because they cannot say 0.1 exactly."""
    if isinstance(tokens, float | bool):
        raise InvalidClaim(f"amount {tokens!r} must be a Decimal, int or str, not {type(tokens).__name__}")
    try:
        scaled = Decimal(tokens).scaleb(TOKEN_DECIMALS)
    except InvalidOperation as error:
        raise InvalidClaim(f"amount {tokens!r} is not a number") from error
    if not scaled.is_finite() or scaled <= 0 or scaled != scaled.to_integral_value():
        raise InvalidClaim(f"amount {tokens!r} must be positive with at most {TOKEN_DECIMALS} decimals")
    return int(scaled)


def checked_wallet(wallet: str) -> str:
    """A wallet the contract can mint to; a zero address would revert the whole batch it sits in."""
    if not isinstance(wallet, str) or not is_address(wallet) or int(wallet, 16) == 0:
        raise InvalidClaim(f"wallet {wallet!r} is not a valid, non-zero address")
    return to_checksum_address(wallet)


@dataclass(frozen=True)
class Fees:
    """EIP-1559 fee caps in wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if not 0 <= self.max_priority_fee_per_gas <= self.max_fee_per_gas:
            raise ValueError(f"priority fee above the max fee, or negative: {self}")

    def covers_bump_of(self, previous: "Fees", percent: int = MIN_FEE_BUMP_PERCENT) -> bool:
        """Whether both caps are at least ``percent`` above ``previous``'s, as nodes want of a replacement."""
        factor = 100 + percent
        return (
            self.max_fee_per_gas * 100 >= previous.max_fee_per_gas * factor
            and self.max_priority_fee_per_gas * 100 >= previous.max_priority_fee_per_gas * factor
        )


@dataclass(frozen=True)
class Claim:
    """One approved submission's reward, and how far its payout has got.

    ``pending`` → ``submitted`` (nonce, transaction hashes, fees) → ``confirmed`` | ``failed``. Every hash
    sent for the nonce is kept, newest last: after a replacement either transaction may be the one mined.
    ``version`` counts stored transitions so the store can refuse a write based on a stale copy.
    """

    claim_id: bytes
    submission_id: str
    tenant: str
    wallet: str
    amount: int
    state: ClaimState = ClaimState.PENDING
    version: int = 0
    nonce: int | None = None
    tx_hashes: tuple[str, ...] = ()
    fees: Fees | None = None
    gas_limit: int | None = None
    outcome: MintOutcome | None = None
    mined_in: str | None = None
    block_number: int | None = None
    failure: str | None = None

    @classmethod
    def new(cls, submission_id: str, tenant: str, wallet: str, tokens: Decimal | int | str) -> "Claim":
        canonical = canonical_submission_id(submission_id)
        return cls(
            claim_id=claim_id(canonical),
            submission_id=canonical,
            tenant=tenant,
            wallet=checked_wallet(wallet),
            amount=to_wei(tokens),
        )

    @property
    def tx_hash(self) -> str | None:
        return self.tx_hashes[-1] if self.tx_hashes else None

    @property
    def sent_nonce(self) -> int:
        """The nonce of a claim that has been sent; asking it of a pending claim is a bug."""
        return self._sent("nonce", self.nonce)

    @property
    def sent_fees(self) -> Fees:
        return self._sent("fees", self.fees)

    @property
    def sent_gas_limit(self) -> int:
        return self._sent("gas limit", self.gas_limit)

    def _sent[T](self, what: str, value: T | None) -> T:
        if value is None:
            raise InvalidClaimTransition(f"claim {self.claim_id.hex()} is {self.state}: it has no {what} yet")
        return value

    def submitted(self, nonce: int, tx_hash: str, fees: Fees, gas_limit: int) -> "Claim":
        """First send, or a replacement: the same nonce with both fee caps raised by the minimum bump."""
        if self.state is ClaimState.PENDING:
            return self._next(
                state=ClaimState.SUBMITTED, nonce=nonce, tx_hashes=(tx_hash,), fees=fees, gas_limit=gas_limit
            )
        self._require(ClaimState.SUBMITTED, "be submitted again")
        if nonce != self.nonce:
            raise InvalidClaimTransition(
                f"claim {self.claim_id.hex()} is at nonce {self.nonce}; a replacement must reuse it, not {nonce}"
            )
        if not fees.covers_bump_of(self.sent_fees):
            raise InvalidClaimTransition(f"replacement fees {fees} are not {MIN_FEE_BUMP_PERCENT}% above {self.fees}")
        return self._next(tx_hashes=(*self.tx_hashes, tx_hash), fees=fees, gas_limit=gas_limit)

    def confirmed(self, outcome: MintOutcome, tx_hash: str | None, block_number: int | None) -> "Claim":
        self._require(ClaimState.SUBMITTED, "be confirmed")
        return self._next(state=ClaimState.CONFIRMED, outcome=outcome, mined_in=tx_hash, block_number=block_number)

    def failed(self, reason: str, block_number: int | None = None) -> "Claim":
        if self.state not in (ClaimState.PENDING, ClaimState.SUBMITTED):
            raise InvalidClaimTransition(f"claim {self.claim_id.hex()} is {self.state}, cannot fail")
        return self._next(state=ClaimState.FAILED, failure=reason, block_number=block_number)

    def requeued(self) -> "Claim":
        """Back to pending when its nonce was taken by a transaction that is not one of its own."""
        self._require(ClaimState.SUBMITTED, "be requeued")
        return self._pending_again()

    def reopened(self) -> "Claim":
        """An admin's retry of a failed payout; the contract still refuses to pay a claim twice."""
        self._require(ClaimState.FAILED, "be reopened")
        return self._pending_again()

    def _pending_again(self) -> "Claim":
        return self._next(
            state=ClaimState.PENDING,
            nonce=None,
            tx_hashes=(),
            fees=None,
            gas_limit=None,
            failure=None,
            block_number=None,
        )

    def _require(self, state: ClaimState, action: str) -> None:
        if self.state is not state:
            raise InvalidClaimTransition(f"claim {self.claim_id.hex()} is {self.state}, cannot {action}")

    def _next(self, **changes: Any) -> "Claim":
        return replace(self, version=self.version + 1, **changes)


def batches(claims: list[Claim], size: int) -> list[list[Claim]]:
    """Claims in send order, each id once, at most ``size`` to a transaction."""
    if not 1 <= size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch size must be between 1 and {MAX_BATCH_SIZE}, not {size}")
    first_seen: dict[bytes, Claim] = {}
    for claim in claims:
        first_seen.setdefault(claim.claim_id, claim)
    unique = list(first_seen.values())
    return [unique[start : start + size] for start in range(0, len(unique), size)]
