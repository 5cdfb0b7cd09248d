"""What the minter needs from the world: somewhere to keep claim state, and a chain to pay claims on.

The errors are part of the contract between the minter and any chain adapter, so they live here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ecopulse.chain.claims import Claim, Fees


class ChainError(Exception):
    """Anything a chain adapter reports."""


class ChainUnavailable(ChainError):
    """The node did not answer (down, timed out, rate limited): retry later, nothing was decided."""


class TransactionReverted(ChainError):
    """The call would revert or did revert (paused, missing role); resending the same call cannot help."""


class NonceTooLow(ChainError):
    """The nonce is already used by a mined transaction of this key."""


class MintCapReached(ChainError):
    """The contract's mint cap for the current period would be exceeded: the claims wait for the next period."""


class TransactionRejected(ChainError):
    """The node refused the transaction for another reason (underpriced, no funds for gas)."""


class StaleClaim(Exception):
    """The stored claim moved on since it was read: another writer is at work, so this one stops."""


@dataclass(frozen=True)
class SignedBatch:
    """A signed ``mintForClaims`` transaction, ready to broadcast; its hash is known before it is sent."""

    tx_hash: str
    nonce: int
    fees: Fees
    gas_limit: int
    raw: bytes


@dataclass(frozen=True)
class Receipt:
    """A mined transaction, final by the adapter's rule, with the claim events it emitted."""

    tx_hash: str
    status: int
    block_number: int
    gas_used: int
    minted: frozenset[bytes]
    skipped: frozenset[bytes]


class ClaimStore(Protocol):
    def add(self, claim: Claim) -> Claim:
        """Stores a new pending claim unless one with its id exists; returns the stored claim either way."""
        ...

    def load(self, tenant: str, submission_id: str) -> Claim | None:
        """By tenant and submission, as every key in the table starts with the tenant."""
        ...

    def save(self, claim: Claim) -> None:
        """Writes a transition; raises StaleClaim unless the stored claim is at ``claim.version - 1``."""
        ...


class Chain(Protocol):
    def chain_id(self) -> int:
        """The id of the network the node serves (``eth_chainId``), whatever the signer is configured for."""
        ...

    def token_deployed(self) -> bool:
        """Whether there is contract code at the token's address."""
        ...

    def signer_can_mint(self) -> bool:
        """Whether the signing key holds the token's MINTER_ROLE."""
        ...

    def gas_balance(self) -> int:
        """The signing key's balance in wei, which pays for gas."""
        ...

    def pending_nonce(self) -> int:
        """The next nonce for the minter key, counting transactions still in the mempool."""
        ...

    def final_nonce(self) -> int:
        """How many of the key's transactions are final: a nonce below this can no longer be mined."""
        ...

    def suggest_fees(self) -> Fees: ...

    def sign_batch(self, claims: Sequence[Claim], nonce: int, fees: Fees, gas_limit: int | None = None) -> SignedBatch:
        """Signs ``mintForClaims`` for the claims; estimates gas (TransactionReverted if it would revert,
        MintCapReached if the period's cap stands in the way) unless ``gas_limit`` is given, as for a
        replacement of a transaction already estimated."""
        ...

    def send(self, batch: SignedBatch) -> None:
        """Broadcasts; a transaction the node already has counts as sent."""
        ...

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt once the transaction is final, else None."""
        ...

    def is_claimed(self, claim_id: bytes) -> bool:
        """Whether the contract's ``claimed`` mapping has the id, in final state."""
        ...
