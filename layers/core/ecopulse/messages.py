"""What a citizen is told when their submission ends: plain words about the decision and the reward."""

from ecopulse.chain.outcome import MintOutcome
from ecopulse.submissions import Outcome


def outcome_message(
    outcome: Outcome, reason: str, reward: int, wallet: str | None, payout: str | None
) -> tuple[str, str]:
    if outcome is Outcome.REJECTED:
        return "Cleanup not approved", f"Your cleanup was not approved: {reason}."
    title = "Cleanup approved"
    if reward <= 0:
        return title, "Thank you: your cleanup was verified. You reached today's reward limit, so it earned no EcoCoin."
    if payout in (MintOutcome.MINTED, MintOutcome.ALREADY_MINTED):
        return title, f"Thank you: your cleanup was verified and {reward} ECO were sent to {wallet}."
    if wallet is None:
        return title, f"Thank you: your cleanup was verified. {reward} ECO wait for you: add a wallet to receive them."
    return (
        title,
        f"Thank you: your cleanup was verified. {reward} ECO will reach your wallet once the payout goes through.",
    )
