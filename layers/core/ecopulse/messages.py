"""What a citizen is told when their submission ends: plain words about the decision and the reward, in the
inbox and by e-mail alike; the e-mail only when the deployment sends mail and the citizen has an address."""

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ecopulse.chain.outcome import MintOutcome
from ecopulse.submissions import Decision, Outcome
from ecopulse.users import UserNotFound, Users


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


class Recorded(BaseModel):
    status: str
    reward: int = 0
    wallet: str | None = None


class NotifyRequest(BaseModel):
    """What the workflow's notify steps receive once a submission is decided and its reward handled."""

    notified_at: datetime | None = Field(default=None, description="When the workflow entered the step")
    tenant: str
    submission_id: str
    user_id: str
    decision: Decision
    recorded: Recorded
    payout: dict[str, Any] | None = None

    def message(self) -> tuple[str, str]:
        """The title and body the citizen reads."""
        payout = (self.payout or {}).get("outcome")
        return outcome_message(
            self.decision.outcome, self.decision.reason, self.recorded.reward, self.recorded.wallet, payout
        )


class Mail(Protocol):
    def send(self, address: str, title: str, body: str) -> None:
        """Raises ``EmailRejected`` when retrying cannot help; any other failure may pass on a retry."""
        ...


EmailResult = Literal["sent", "no sender", "no address"]


def email_outcome(mail: Mail | None, users: Users, request: NotifyRequest) -> EmailResult:
    """E-mails the outcome when the deployment has a sender (``mail``) and the citizen an address; a failure
    raises for the workflow to retry or record, never to fail the submission."""
    if mail is None:
        return "no sender"
    try:
        address = users.get(request.tenant, request.user_id).email
    except UserNotFound:
        address = None
    if not address:
        return "no address"
    mail.send(address, *request.message())
    return "sent"
