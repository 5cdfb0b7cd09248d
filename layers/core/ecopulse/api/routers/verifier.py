"""What the verifier has learned from a city's reviewers: the head in force, its history, the labels so far."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ecopulse.api.auth import AdminDep
from ecopulse.api.dependencies import LabelTallyDep, PromotionRecordDep, TenantsDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.verification.reviews import PromotedHead, verifier_standing

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)


class Promotion(BaseModel):
    version: str
    trained_at: datetime
    promoted_at: datetime
    threshold: float = Field(description="Probability at or above which the head approves alone; above 1: never")
    automates: bool
    label_count: int = Field(description="Labels the tenant had when this head was trained")
    reason: str
    evaluation: dict[str, Any] = Field(description="The head on the newest labels, held out from its training")
    replaced_version: str | None
    replaced_evaluation: dict[str, Any] | None = Field(description="The head it replaced, on the same labels")

    @classmethod
    def of(cls, record: PromotedHead) -> "Promotion":
        return cls(**{**record.to_dict(), "automates": record.threshold <= 1})


class LabelCounts(BaseModel):
    total: int
    approved: int
    rejected: int


class VerifierStatus(BaseModel):
    current: Promotion | None = Field(description="The head in force; none means the conservative rules decide alone")
    labels: LabelCounts
    target_false_approval: float
    history: list[Promotion] = Field(description="Every promotion, newest first")


@router.get("/verifier", response_model=VerifierStatus)
def verifier_status(
    caller: AdminDep, labels: LabelTallyDep, promotions: PromotionRecordDep, tenants: TenantsDep
) -> VerifierStatus:
    """The learned verifier of the caller's city: trained daily on admins' decisions, in force only when it beat
    the head before it on the newest decisions."""
    target = tenants.settings(caller.tenant).verifier_false_approval_target
    standing = verifier_standing(labels, promotions, target, caller.tenant)
    approved, rejected = standing.approved_labels, standing.rejected_labels
    return VerifierStatus(
        current=Promotion.of(standing.current) if standing.current else None,
        labels=LabelCounts(total=approved + rejected, approved=approved, rejected=rejected),
        target_false_approval=standing.target_false_approval,
        history=[Promotion.of(record) for record in standing.history],
    )
