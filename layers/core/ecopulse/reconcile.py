"""Ledger against chain: every reward the ledger calls paid must be claimed on chain, and every claim on chain
must be paid in the ledger. A difference is either a payout in flight or something to look into."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ecopulse.chain.claims import InvalidClaim, claim_id
from ecopulse.rewards import LedgerLine


@dataclass
class Reconciliation:
    checked: int = 0
    paid_and_claimed: int = 0
    unpaid: list[LedgerLine] = field(default_factory=list)
    paid_not_on_chain: list[LedgerLine] = field(default_factory=list)
    on_chain_not_recorded: list[LedgerLine] = field(default_factory=list)
    invalid: list[LedgerLine] = field(default_factory=list)

    @property
    def differences(self) -> int:
        """Lines to look into: waiting rewards are normal; a payout the chain has not seen, or the reverse, is not."""
        return len(self.paid_not_on_chain) + len(self.on_chain_not_recorded) + len(self.invalid)

    @property
    def consistent(self) -> bool:
        return self.differences == 0

    def to_dict(self) -> dict[str, object]:
        """What an operator reads: the counts, and the submissions of every line that is not paid and claimed."""
        return {
            "checked": self.checked,
            "paid_and_claimed": self.paid_and_claimed,
            "unpaid": [line.submission_id for line in self.unpaid],
            "paid_not_on_chain": [line.submission_id for line in self.paid_not_on_chain],
            "on_chain_not_recorded": [line.submission_id for line in self.on_chain_not_recorded],
            "invalid": [line.submission_id for line in self.invalid],
            "differences": self.differences,
            "consistent": self.consistent,
        }


def reconcile(lines: Iterable[LedgerLine], is_claimed: Callable[[bytes], bool]) -> Reconciliation:
    result = Reconciliation()
    for line in lines:
        result.checked += 1
        try:
            on_chain = is_claimed(claim_id(line.submission_id))
        except InvalidClaim:
            result.invalid.append(line)
            continue
        paid = line.state == "paid"
        if paid and on_chain:
            result.paid_and_claimed += 1
        elif paid:
            result.paid_not_on_chain.append(line)
        elif on_chain:
            result.on_chain_not_recorded.append(line)
        else:
            result.unpaid.append(line)
    return result
