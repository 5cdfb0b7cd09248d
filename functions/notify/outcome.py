"""What the notify tasks receive from the workflow, and the words it becomes."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ecopulse.messages import outcome_message
from ecopulse.submissions import Decision


class Recorded(BaseModel):
    status: str
    reward: int = 0
    wallet: str | None = None


class NotifyRequest(BaseModel):
    notified_at: datetime | None = Field(default=None, description="When the workflow entered the step")
    tenant: str
    submission_id: str
    user_id: str
    decision: Decision
    recorded: Recorded
    payout: dict[str, Any] | None = None

    def message(self) -> tuple[str, str]:
        """The title and body the citizen reads, in the inbox and by e-mail alike."""
        payout = (self.payout or {}).get("outcome")
        return outcome_message(
            self.decision.outcome, self.decision.reason, self.recorded.reward, self.recorded.wallet, payout
        )
