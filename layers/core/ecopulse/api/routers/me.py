"""The signed-in caller: profile, wallet, balance, and their reports, submissions, ledger and inbox."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecopulse.api.auth import ACTIVE, ActiveProfile, CallerDep
from ecopulse.api.dependencies import (
    CommunityDep,
    DevicesDep,
    PeopleDep,
    PersonalDataDep,
    PhotoOriginalsDep,
    PushDep,
    ReportPhotoLinksDep,
    ReportsDep,
    RewardQueueDep,
    SignInsDep,
    SubmissionsDep,
    TenantsDep,
    UnpaidRewardsDep,
    UsersDep,
)
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.routers.reports import ReportOut
from ecopulse.api.routers.submissions import SubmissionOut
from ecopulse.api.schemas import Cursor, Limit, PageOf
from ecopulse.community import subscribe_to_zone
from ecopulse.config import deployment
from ecopulse.leaving import leave
from ecopulse.observability import logger
from ecopulse.report_notices import Platform, Preferences, register_device, remove_device
from ecopulse.users import change_wallet

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)
Zone = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,32}$")]
DeviceId = Annotated[str, Path(pattern=r"^[0-9a-f]{20}$")]


class Profile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    username: str
    tenant: str
    email: str | None
    display_name: str | None
    groups: list[str]
    active: bool = Field(description="False once the city has disabled the account")
    wallet_address: str | None
    points: int
    balance_pending: float = Field(description="EcoCoin earned, waiting for a wallet or a mint")
    balance_minted: float = Field(description="EcoCoin paid out on chain")


class ProfileIn(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=60)


class WalletIn(BaseModel):
    address: str = Field(min_length=42, max_length=42, description="An EVM address; stored checksummed (EIP-55)")

    @field_validator("address")
    @classmethod
    def checksummed(cls, value: str) -> str:
        digits = value[2:]
        mixed_case = digits != digits.lower() and digits != digits.upper()
        if not is_hex_address(value) or (mixed_case and not is_checksum_address(value)):
            raise ValueError("not a valid address (mixed case must match its EIP-55 checksum)")
        if int(value, 16) == 0:
            raise ValueError("the zero address cannot receive rewards")
        return to_checksum_address(value)


class LedgerEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    submission_id: str
    amount: float
    reason: str
    state: str
    tx_hash: str | None
    created_at: datetime


class InboxMessage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: str
    title: str
    body: str
    submission_id: str | None
    report_id: str | None = Field(default=None, description="The report a message about a report's change is about")
    read: bool
    created_at: datetime


class PreferencesBody(BaseModel):
    """How you hear about your reports and those you voted on or follow; the inbox always."""

    model_config = ConfigDict(from_attributes=True)

    push: bool = Field(default=True, description="To every device registered with POST /me/devices")
    email: bool = Field(default=True, description="To the account's e-mail address")
    sms: bool = Field(default=False, description="To phone_number, where the city sends SMS")
    phone_number: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164")


class DeviceIn(BaseModel):
    platform: Platform = Field(description="fcm (Android, web) or apns (iOS)")
    token: str = Field(min_length=1, max_length=4096, description="The push service's token for this app install")


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    device_id: str
    platform: Platform
    created_at: datetime


Me = ActiveProfile


@router.get("", response_model=Profile)
def get_me(profile: Me) -> Profile:
    return Profile.model_validate(profile)


@router.patch("", response_model=Profile)
def patch_me(body: ProfileIn, profile: Me, users: UsersDep) -> Profile:
    return Profile.model_validate(users.set_profile(profile.tenant, profile.user_id, body.display_name))


@router.delete("", status_code=204)
def delete_me(
    caller: CallerDep,
    data: PersonalDataDep,
    photos: PhotoOriginalsDep,
    sign_ins: SignInsDep,
    devices: DevicesDep,
    push: PushDep,
) -> None:
    """Leaves the city: erases your profile, e-mail, names, wallet, inbox, subscriptions, devices and your photos,
    then your sign-in. Rewards, reports and votes stay under a pseudonym that leads to nobody; rewards paid on
    the chain cannot be changed by anyone. Asking again is harmless, and finishes a deletion that failed half-way.
    A disabled account may leave too."""
    erased = leave(
        data, photos, sign_ins, devices, push, deployment().uploads_bucket, caller.tenant, caller.user_id,
        caller.username, datetime.now(UTC),
    )  # fmt: skip
    logger.info("account erased", extra={"tenant": caller.tenant, "user_id": caller.user_id, **asdict(erased)})


@router.put("/wallet", response_model=Profile)
def put_wallet(
    body: WalletIn, profile: Me, users: UsersDep, rewards: UnpaidRewardsDep, queue: RewardQueueDep
) -> Profile:
    """Rewards earned while there was no wallet (or whose mint failed) are paid to the new one."""
    return Profile.model_validate(change_wallet(users, rewards, queue, profile, body.address))


@router.get("/reports", response_model=PageOf[ReportOut])
def my_reports(
    caller: CallerDep, reports: ReportsDep, links: ReportPhotoLinksDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[ReportOut]:
    page = reports.list_by_reporter(caller.tenant, caller.user_id, limit, cursor)
    items = [ReportOut.seen_by(caller, report, links) for report in page.items]
    return PageOf[ReportOut](items=items, cursor=page.cursor)


@router.get("/submissions", response_model=PageOf[SubmissionOut])
def my_submissions(
    caller: CallerDep, submissions: SubmissionsDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[SubmissionOut]:
    page = submissions.list_by_user(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[SubmissionOut](items=[SubmissionOut.of(s) for s in page.items], cursor=page.cursor)


@router.get("/ledger", response_model=PageOf[LedgerEntry])
def my_ledger(
    caller: CallerDep, community: CommunityDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[LedgerEntry]:
    page = community.ledger(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[LedgerEntry](items=[LedgerEntry.model_validate(entry) for entry in page.items], cursor=page.cursor)


@router.get("/inbox", response_model=PageOf[InboxMessage])
def my_inbox(
    caller: CallerDep, community: CommunityDep, limit: Limit = 20, cursor: Cursor = None
) -> PageOf[InboxMessage]:
    page = community.inbox(caller.tenant, caller.user_id, limit, cursor)
    return PageOf[InboxMessage](items=[InboxMessage.model_validate(m) for m in page.items], cursor=page.cursor)


@router.put("/alerts/{zone}", status_code=204)
def subscribe(zone: Zone, profile: Me, community: CommunityDep, tenants: TenantsDep) -> None:
    """Alerts broadcast to this zone (one of `GET /zones`) will arrive in the inbox; another zone is 404."""
    subscribe_to_zone(community, tenants, profile.tenant, zone, profile.user_id)


@router.delete("/alerts/{zone}", status_code=204, dependencies=[ACTIVE])
def unsubscribe(zone: Zone, caller: CallerDep, community: CommunityDep) -> None:
    community.unsubscribe(caller.tenant, zone, caller.user_id)


@router.get("/preferences", response_model=PreferencesBody)
def get_preferences(caller: CallerDep, people: PeopleDep) -> PreferencesBody:
    return PreferencesBody.model_validate(people.preferences(caller.tenant, caller.user_id))


@router.put("/preferences", response_model=PreferencesBody)
def put_preferences(body: PreferencesBody, profile: Me, people: PeopleDep) -> PreferencesBody:
    chosen = Preferences(body.push, body.email, body.sms, body.phone_number)
    return PreferencesBody.model_validate(people.set_preferences(profile.tenant, profile.user_id, chosen))


@router.post("/devices", response_model=DeviceOut, status_code=201)
def post_device(body: DeviceIn, profile: Me, devices: DevicesDep, push: PushDep) -> DeviceOut:
    """Registers this app install for push (an SNS platform endpoint). Registering the same token again is the same
    device."""
    device = register_device(
        devices, push, profile.tenant, profile.user_id, body.platform, body.token, datetime.now(UTC)
    )
    return DeviceOut.model_validate(device)


@router.delete("/devices/{device_id}", status_code=204, dependencies=[ACTIVE])
def delete_device(device_id: DeviceId, caller: CallerDep, devices: DevicesDep, push: PushDep) -> None:
    """Signing out on a device: it gets no more pushes."""
    remove_device(devices, push, caller.tenant, caller.user_id, device_id)
