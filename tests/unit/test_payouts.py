"""Paying approved rewards, with in-memory fakes of the minter, the ledger and the waiting workflows: each
request ends paid, failed for good, or delivered again, and its workflow hears the outcome once."""

import dataclasses
import uuid
from dataclasses import dataclass, field

from ecopulse.chain.claims import Claim, ClaimState
from ecopulse.chain.outcome import MintOutcome
from ecopulse.payouts import MintRequest, pay

WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"


@dataclass
class ScriptedMinter:
    """Settles each claim as scripted by submission id: confirmed (minted or already minted), failed, or still
    in flight."""

    script: dict[str, tuple[ClaimState, MintOutcome | None]] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)
    deadlines: list[float | None] = field(default_factory=list)

    def mint(self, claims: list[Claim], until: float | None = None) -> list[Claim]:
        self.asked.append([claim.submission_id for claim in claims])
        self.deadlines.append(until)
        settled = []
        for claim in claims:
            state, outcome = self.script[claim.submission_id]
            mined = "0x" + "ab" * 32 if state is ClaimState.CONFIRMED else None
            failure = "reverted" if state is ClaimState.FAILED else None
            settled.append(dataclasses.replace(claim, state=state, outcome=outcome, mined_in=mined, failure=failure))
        return settled


@dataclass
class MemoryLedger:
    payouts: list[tuple[str, str | None]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def record_payout(self, tenant: str, user_id: str, submission_id: str, tx_hash: str | None) -> bool:
        self.payouts.append((submission_id, tx_hash))
        return True

    def record_mint_failure(self, tenant: str, user_id: str, submission_id: str, reason: str) -> None:
        self.failures.append((submission_id, reason))


@dataclass
class RecordedCallbacks:
    resumed: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)

    def resume(self, task_token: str, output: dict) -> None:
        self.resumed[task_token] = output

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self.failed[task_token] = (error, cause)


def request(n: int, wallet: str = WALLET, token: bool = True) -> MintRequest:
    submission_id = str(uuid.UUID(int=n))
    return MintRequest(f"message-{n}", "lahore", "alice", submission_id, wallet, 10, f"token-{n}" if token else None)


def test_each_request_ends_paid_failed_or_delivered_again_and_its_workflow_hears_it_once():
    requests = [request(n) for n in range(1, 5)]
    minter = ScriptedMinter(
        {
            requests[0].submission_id: (ClaimState.CONFIRMED, MintOutcome.MINTED),
            requests[1].submission_id: (ClaimState.CONFIRMED, MintOutcome.ALREADY_MINTED),
            requests[2].submission_id: (ClaimState.FAILED, None),
            requests[3].submission_id: (ClaimState.SUBMITTED, None),
        }
    )
    ledger, callbacks = MemoryLedger(), RecordedCallbacks()
    retry = pay(requests, minter, ledger, callbacks)
    assert retry == ["message-4"], "a claim still in flight is delivered again, the others are done"
    assert minter.asked == [[r.submission_id for r in requests]], "one mint for the whole batch"
    assert [submission for submission, _ in ledger.payouts] == [requests[0].submission_id, requests[1].submission_id]
    assert ledger.failures == [(requests[2].submission_id, "reverted")]
    assert callbacks.resumed == {
        "token-1": {"outcome": "minted", "tx_hash": "0x" + "ab" * 32},
        "token-2": {"outcome": "already_minted", "tx_hash": "0x" + "ab" * 32},
    }
    assert callbacks.failed == {"token-3": ("MintFailed", "reverted")}


def test_a_request_that_can_never_be_paid_fails_its_workflow_at_once_and_is_not_minted():
    bad, good = request(1, wallet="0xnot-a-wallet"), request(2)
    minter = ScriptedMinter({good.submission_id: (ClaimState.CONFIRMED, MintOutcome.MINTED)})
    ledger, callbacks = MemoryLedger(), RecordedCallbacks()
    assert pay([bad, good], minter, ledger, callbacks) == []
    assert minter.asked == [[good.submission_id]]
    assert [submission for submission, _ in ledger.failures] == [bad.submission_id]
    assert callbacks.failed["token-1"][0] == "MintFailed" and "token-2" in callbacks.resumed


def test_a_reward_nobody_waits_for_is_recorded_without_a_callback():
    alone = request(1, token=False)
    minter = ScriptedMinter({alone.submission_id: (ClaimState.CONFIRMED, MintOutcome.MINTED)})
    ledger, callbacks = MemoryLedger(), RecordedCallbacks()
    assert pay([alone], minter, ledger, callbacks) == []
    assert ledger.payouts == [(alone.submission_id, "0x" + "ab" * 32)]
    assert callbacks.resumed == {} and callbacks.failed == {}


def test_the_minter_is_given_the_callers_deadline():
    pending = request(1)
    minter = ScriptedMinter({pending.submission_id: (ClaimState.PENDING, None)})

    assert pay([pending], minter, MemoryLedger(), RecordedCallbacks(), until=42.0) == ["message-1"]
    assert minter.deadlines == [42.0]
