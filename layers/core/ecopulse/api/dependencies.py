"""What the routes work on, injected: each port's adapter behind one provider, replaced in tests through
``app.dependency_overrides[provider]``. Adapters are built once per container, on first use.

Each section belongs to one area; its alias names the port the routes see (a Protocol of the domain)."""

from functools import cache
from typing import Annotated

from fastapi import Depends

from ecopulse.fleet import Fleet
from ecopulse.photos import S3PhotoStore
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.review_labels import ReviewLabelRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.users import UserRepository
from ecopulse.submissions import PhotoLinks, ReviewLabels, Submissions, TaskTokens
from ecopulse.tenants import Tenants
from ecopulse.users import Users
from ecopulse.workflow import TaskTokens as StepFunctionsTaskTokens

# --- fleet ---------------------------------------------------------------------------------------------------


@cache
def fleet_repository() -> Fleet:
    return FleetRepository()


Vehicles = Annotated[Fleet, Depends(fleet_repository)]

# --- reports -------------------------------------------------------------------------------------------------

# --- submissions and reviews ---------------------------------------------------------------------------------


@cache
def submission_repository() -> Submissions:
    return SubmissionRepository()


@cache
def task_tokens() -> TaskTokens:
    return StepFunctionsTaskTokens()


@cache
def review_label_repository() -> ReviewLabels:
    return ReviewLabelRepository()


@cache
def photo_links() -> PhotoLinks:
    return S3PhotoStore()


SubmissionsDep = Annotated[Submissions, Depends(submission_repository)]
TaskTokensDep = Annotated[TaskTokens, Depends(task_tokens)]
ReviewLabelsDep = Annotated[ReviewLabels, Depends(review_label_repository)]
PhotoLinksDep = Annotated[PhotoLinks, Depends(photo_links)]

# --- people and community ------------------------------------------------------------------------------------


@cache
def user_repository() -> Users:
    return UserRepository()


UsersDep = Annotated[Users, Depends(user_repository)]

# --- tenants, analytics and the verifier ---------------------------------------------------------------------


@cache
def tenant_repository() -> Tenants:
    return TenantRepository()


TenantsDep = Annotated[Tenants, Depends(tenant_repository)]
