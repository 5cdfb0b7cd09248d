"""Health and identity: what a load balancer, an operator or a freshly signed-in client checks first."""

from fastapi import APIRouter
from pydantic import BaseModel

from ecopulse.api.app import API_VERSION
from ecopulse.api.auth import CallerDep, Group
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.config import deployment

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    stage: str
    version: str


class WhoAmI(BaseModel):
    user_id: str
    username: str
    tenant: str
    groups: list[Group]


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok", stage=deployment().stage, version=API_VERSION)


@router.get("/whoami", response_model=WhoAmI, responses={401: ERROR_RESPONSES[401]})
def whoami(caller: CallerDep) -> WhoAmI:
    return WhoAmI(user_id=caller.user_id, username=caller.username, tenant=caller.tenant, groups=sorted(caller.groups))
