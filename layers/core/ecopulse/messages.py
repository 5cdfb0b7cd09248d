"""What a citizen is told when their submission ends: plain words about the decision and the reward, in the
inbox and by e-mail alike; the e-mail only when the deployment sends mail and the citizen has an address."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ecopulse.chain.outcome import MintOutcome
from ecopulse.submissions import Decision, Outcome
from ecopulse.tenants import Tenants
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


class Notices(Protocol):
    def notify(
        self,
        tenant: str,
        user_id: str,
        title: str,
        body: str,
        submission_id: str | None,
        sent_at: datetime | None = None,
    ) -> str:
        """Writes one inbox message (once for the same ``sent_at``) and pushes it; returns its id."""
        ...


class Departures(Protocol):
    def has_left(self, tenant: str, user_id: str) -> bool:
        """The person erased their account (``ecopulse.leaving``)."""
        ...


def notify_outcome(notices: Notices, departures: Departures, request: NotifyRequest) -> str | None:
    """Tells the citizen how their submission ended, in the inbox and by push; the id of the message, or None for
    someone who has left the city since (their inbox is gone, and nothing is written under them again)."""
    if departures.has_left(request.tenant, request.user_id):
        return None
    title, body = request.message()
    return notices.notify(
        request.tenant, request.user_id, title, body, request.submission_id, sent_at=request.notified_at
    )


@dataclass(frozen=True)
class Escalation:
    action: str
    admins_told: int


def escalate_review(
    notices: Notices, users: Users, tenants: Tenants, tenant: str, submission_id: str, escalated_at: datetime | None
) -> Escalation:
    """A review waited too long: every active admin of the city is told, with what its settings do next (keep
    waiting, or reject as timed out). A retried step passes the same ``escalated_at``, so nobody is told twice."""
    action = tenants.settings(tenant).review_timeout_action
    body = f"Submission {submission_id} has waited too long for a review; " + (
        "it keeps waiting in the queue." if action == "wait" else "it was rejected as timed out."
    )
    admins = users.admins(tenant)
    for admin in admins:
        notices.notify(tenant, admin.user_id, "Review overdue", body, submission_id, sent_at=escalated_at)
    return Escalation(action, len(admins))
