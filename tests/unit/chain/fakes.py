"""In-memory stand-ins for the minter's ports, with the rules of the real ones that the minter relies on.

MemoryClaimStore refuses stale writes as the DynamoDB store will; FakeChain has one key's nonce, a mempool
that keeps one transaction per nonce and takes a replacement only with both fees 10% higher, and the
contract's skip-if-claimed and mint-cap rules. The store also serves tests/integration/test_chain.py, where the chain is
the real node.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ecopulse.chain.claims import Claim, ClaimState, Fees, claim_id
from ecopulse.chain.ports import (
    ChainUnavailable,
    MintCapReached,
    NonceTooLow,
    Receipt,
    SignedBatch,
    StaleClaim,
    TransactionRejected,
    TransactionReverted,
)


@dataclass
class MemoryClaimStore:
    claims: dict[bytes, Claim] = field(default_factory=dict)
    writes: list[Claim] = field(default_factory=list)

    def add(self, claim: Claim) -> Claim:
        if claim.state is not ClaimState.PENDING or claim.version != 0:
            raise ValueError("only a new pending claim can be added")
        return self.claims.setdefault(claim.claim_id, claim)

    def load(self, tenant: str, submission_id: str) -> Claim | None:
        stored = self.claims.get(claim_id(submission_id))
        return stored if stored and stored.tenant == tenant else None

    def save(self, claim: Claim) -> None:
        stored = self.claims.get(claim.claim_id)
        if stored is None or stored.version != claim.version - 1:
            raise StaleClaim(f"claim {claim.claim_id.hex()} is not at version {claim.version - 1}")
        self.claims[claim.claim_id] = claim
        self.writes.append(claim)


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeChain:
    """One minter key on a chain that mines a transaction when its fee cap reaches ``inclusion_fee``."""

    def __init__(self, fees: Fees | None = None, inclusion_fee: int = 0) -> None:
        self.network_id = 31337
        self.has_code = True
        self.is_minter = True
        self.balance = 10**18
        self.mint_allowance: int | None = None
        """What the contract's cap still lets this period mint; None for no cap."""
        self.fees = fees or Fees(max_fee_per_gas=100, max_priority_fee_per_gas=10)
        self.inclusion_fee = inclusion_fee
        self.mined_nonce = 0
        self.pool: dict[int, SignedBatch] = {}
        self.sent: list[SignedBatch] = []
        self.receipts: dict[str, Receipt] = {}
        self.claimed: set[bytes] = set()
        self.balances: dict[str, int] = {}
        self.revert_estimate: str | None = None
        self.revert_on_chain = False
        self.down = False
        self.down_after: str | None = None
        self.before_send: Callable[[SignedBatch], None] | None = None
        self._calls: dict[str, list[Claim]] = {}

    def chain_id(self) -> int:
        self._answer("chain_id")
        return self.network_id

    def token_deployed(self) -> bool:
        self._answer("token_deployed")
        return self.has_code

    def signer_can_mint(self) -> bool:
        self._answer("signer_can_mint")
        return self.is_minter

    def gas_balance(self) -> int:
        self._answer("gas_balance")
        return self.balance

    def pending_nonce(self) -> int:
        self._answer("pending_nonce")
        return max(self.pool, default=self.mined_nonce - 1) + 1

    def final_nonce(self) -> int:
        self._answer("final_nonce")
        return self.mined_nonce

    def suggest_fees(self) -> Fees:
        self._answer("suggest_fees")
        return self.fees

    def sign_batch(self, claims: Sequence[Claim], nonce: int, fees: Fees, gas_limit: int | None = None) -> SignedBatch:
        self._answer("sign_batch")
        if gas_limit is None and self.revert_estimate:
            raise TransactionReverted(self.revert_estimate)
        unpaid = sum(claim.amount for claim in claims if claim.claim_id not in self.claimed)
        if gas_limit is None and self.mint_allowance is not None and unpaid > self.mint_allowance:
            raise MintCapReached(f"MintCapExceeded({unpaid}, {self.mint_allowance})")
        payload = f"{nonce}:{fees}:{[claim.claim_id.hex() for claim in claims]}".encode()
        tx_hash = "0x" + hashlib.sha256(payload).hexdigest()
        self._calls[tx_hash] = list(claims)
        return SignedBatch(tx_hash, nonce, fees, gas_limit or 60_000 * len(claims), raw=payload)

    def send(self, batch: SignedBatch) -> None:
        if self.before_send:
            self.before_send(batch)
        self._check()
        if batch.nonce < self.mined_nonce:
            raise NonceTooLow(f"nonce {batch.nonce} is below {self.mined_nonce}")
        queued = self.pool.get(batch.nonce)
        if queued and queued.tx_hash == batch.tx_hash:
            return
        if queued and not batch.fees.covers_bump_of(queued.fees):
            raise TransactionRejected("replacement transaction underpriced")
        self.pool[batch.nonce] = batch
        self.sent.append(batch)
        self.mine()
        self._went("send")

    def receipt(self, tx_hash: str) -> Receipt | None:
        self._answer("receipt")
        return self.receipts.get(tx_hash)

    def is_claimed(self, claim_id: bytes) -> bool:
        self._answer("is_claimed")
        return claim_id in self.claimed

    def mine(self) -> None:
        while self.mined_nonce in self.pool and self.pool[self.mined_nonce].fees.max_fee_per_gas >= (
            self.inclusion_fee
        ):
            batch = self.pool.pop(self.mined_nonce)
            self.mined_nonce += 1
            minted, skipped = set(), set()
            if not self.revert_on_chain:
                for claim in self._calls[batch.tx_hash]:
                    if claim.claim_id in self.claimed:
                        skipped.add(claim.claim_id)
                        continue
                    self.claimed.add(claim.claim_id)
                    self.balances[claim.wallet] = self.balances.get(claim.wallet, 0) + claim.amount
                    if self.mint_allowance is not None:
                        self.mint_allowance -= claim.amount
                    minted.add(claim.claim_id)
            self.receipts[batch.tx_hash] = Receipt(
                tx_hash=batch.tx_hash,
                status=0 if self.revert_on_chain else 1,
                block_number=self.mined_nonce,
                gas_used=batch.gas_limit,
                minted=frozenset(minted),
                skipped=frozenset(skipped),
            )

    def take_nonce(self, pays: Sequence[Claim] = ()) -> None:
        """Another sender with the same key gets the next nonce mined first, maybe paying some claims."""
        self.pool.pop(self.mined_nonce, None)
        self.mined_nonce += 1
        for claim in pays:
            self.claimed.add(claim.claim_id)
            self.balances[claim.wallet] = self.balances.get(claim.wallet, 0) + claim.amount

    def _answer(self, method: str) -> None:
        self._check()
        self._went(method)

    def _check(self) -> None:
        if self.down:
            raise ChainUnavailable("the fake node is down")

    def _went(self, method: str) -> None:
        if self.down_after == method:
            self.down = True
