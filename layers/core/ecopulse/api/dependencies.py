"""What the routes work on, injected: each port's adapter behind one provider, replaced in tests through
``app.dependency_overrides[provider]``. Adapters are built once per container, on first use.

Each section belongs to one area; its alias names the port the routes see (a Protocol of the domain)."""

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from fastapi import Depends

from ecopulse.accounts import CityDirectory, InviteCodes, UserPool
from ecopulse.analytics import Analytics
from ecopulse.community import Community
from ecopulse.config import deployment
from ecopulse.duplicates import Merges
from ecopulse.events import BonusPlanner, Events
from ecopulse.exports import LedgerByDay, SubmissionsByDay
from ecopulse.fleet import Fleet
from ecopulse.follow_up import Agreement
from ecopulse.forecasts import ForecastStore
from ecopulse.leaving import PersonalData, PhotoOriginals, SignIns
from ecopulse.mint_queue import MintQueue
from ecopulse.notifications import SnsPush
from ecopulse.photos import S3PhotoStore
from ecopulse.report_notices import Devices, Followers, People, Platform, Push
from ecopulse.report_photos import PhotoBoard
from ecopulse.report_photos import PhotoLinks as ReportPhotoLinks
from ecopulse.reports import Reports
from ecopulse.settings_history import VersionedSettings
from ecopulse.store.analytics import AnalyticsRepository
from ecopulse.store.community import CommunityRepository
from ecopulse.store.duplicates import MergeRepository
from ecopulse.store.events import EventRepository
from ecopulse.store.fleet import FleetRepository
from ecopulse.store.follow_up import AgreementRepository
from ecopulse.store.forecasts import ForecastRepository
from ecopulse.store.invite_codes import InviteCodeRepository
from ecopulse.store.leaving import PersonalDataRepository
from ecopulse.store.report_notices import DeviceRepository, FollowerRepository, PeopleRepository
from ecopulse.store.report_photos import ReportPhotoBoard
from ecopulse.store.reports import ReportRepository
from ecopulse.store.review_labels import ReviewLabelRepository
from ecopulse.store.rewards import RewardRepository
from ecopulse.store.submissions import SubmissionRepository
from ecopulse.store.tenants import TenantRepository
from ecopulse.store.timeline import TimelineRepository
from ecopulse.store.users import UserRepository
from ecopulse.store.verifier_heads import VerifierHeadStore
from ecopulse.submissions import PhotoLinks, ReviewLabels, Submissions, TaskTokens
from ecopulse.tenants import Tenants
from ecopulse.timeline import Timeline
from ecopulse.uploads import UploadForms
from ecopulse.user_pool import CognitoUserPool
from ecopulse.users import RewardQueue, UnpaidRewards, Users
from ecopulse.verification.reviews import LabelTally, PromotionRecord
from ecopulse.workflow import TaskTokens as StepFunctionsTaskTokens

# --- fleet ---------------------------------------------------------------------------------------------------


@cache
def fleet_repository() -> Fleet:
    return FleetRepository()


Vehicles = Annotated[Fleet, Depends(fleet_repository)]

# --- reports -------------------------------------------------------------------------------------------------


@cache
def report_repository() -> Reports:
    return ReportRepository()


ReportsDep = Annotated[Reports, Depends(report_repository)]


@cache
def timeline_repository() -> Timeline:
    return TimelineRepository()


@cache
def agreement_repository() -> Agreement:
    return AgreementRepository()


def clock() -> datetime:
    """The time a request is decided at; tests set it."""
    return datetime.now(UTC)


TimelineDep = Annotated[Timeline, Depends(timeline_repository)]
AgreementDep = Annotated[Agreement, Depends(agreement_repository)]
NowDep = Annotated[datetime, Depends(clock)]


@cache
def merge_repository() -> Merges:
    return MergeRepository()


MergesDep = Annotated[Merges, Depends(merge_repository)]


@cache
def report_photo_board() -> PhotoBoard:
    return ReportPhotoBoard()


@cache
def report_photo_links() -> ReportPhotoLinks:
    return S3PhotoStore()


PhotoBoardDep = Annotated[PhotoBoard, Depends(report_photo_board)]
ReportPhotoLinksDep = Annotated[ReportPhotoLinks, Depends(report_photo_links)]

# --- report notifications: followers, preferences and devices ----------------------------------------------


@cache
def follower_repository() -> Followers:
    return FollowerRepository()


@cache
def people_repository() -> People:
    return PeopleRepository()


@cache
def device_repository() -> Devices:
    return DeviceRepository()


@cache
def push() -> Push:
    """The deployment's push platform applications and its cities' broadcast topics."""
    config = deployment()
    return SnsPush(
        {Platform.FCM: config.push_fcm_application_arn, Platform.APNS: config.push_apns_application_arn},
        config.push_topic_prefix,
    )


FollowersDep = Annotated[Followers, Depends(follower_repository)]
PeopleDep = Annotated[People, Depends(people_repository)]
DevicesDep = Annotated[Devices, Depends(device_repository)]
PushDep = Annotated[Push, Depends(push)]

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


@cache
def upload_forms() -> UploadForms:
    return S3PhotoStore()


UploadFormsDep = Annotated[UploadForms, Depends(upload_forms)]


@cache
def submissions_by_day() -> SubmissionsByDay:
    return SubmissionRepository()


SubmissionsByDayDep = Annotated[SubmissionsByDay, Depends(submissions_by_day)]

# --- people and community ------------------------------------------------------------------------------------


@cache
def user_repository() -> Users:
    return UserRepository()


UsersDep = Annotated[Users, Depends(user_repository)]


@cache
def community_repository() -> Community:
    return CommunityRepository()


CommunityDep = Annotated[Community, Depends(community_repository)]


@cache
def ledger_by_day() -> LedgerByDay:
    return CommunityRepository()


LedgerByDayDep = Annotated[LedgerByDay, Depends(ledger_by_day)]


@cache
def event_repository() -> Events:
    return EventRepository()


EventsDep = Annotated[Events, Depends(event_repository)]


@cache
def unpaid_rewards() -> UnpaidRewards:
    return RewardRepository()


UnpaidRewardsDep = Annotated[UnpaidRewards, Depends(unpaid_rewards)]


@cache
def reward_queue() -> RewardQueue:
    """The minter's queue, named by the deployment."""
    return MintQueue(deployment().mint_queue_url)


RewardQueueDep = Annotated[RewardQueue, Depends(reward_queue)]


@cache
def bonus_planner() -> BonusPlanner:
    """Sizes an event's check-in bonus against the citizen's daily allowance, as approvals are."""
    return RewardRepository()


BonusPlannerDep = Annotated[BonusPlanner, Depends(bonus_planner)]

# --- tenants, analytics and the verifier ---------------------------------------------------------------------


@cache
def tenant_repository() -> Tenants:
    return TenantRepository()


TenantsDep = Annotated[Tenants, Depends(tenant_repository)]


@cache
def versioned_settings() -> VersionedSettings:
    return TenantRepository()


VersionedSettingsDep = Annotated[VersionedSettings, Depends(versioned_settings)]


@cache
def analytics_repository() -> Analytics:
    return AnalyticsRepository()


AnalyticsDep = Annotated[Analytics, Depends(analytics_repository)]


@cache
def forecast_store() -> ForecastStore:
    return ForecastRepository()


ForecastsDep = Annotated[ForecastStore, Depends(forecast_store)]


@cache
def label_tally() -> LabelTally:
    return ReviewLabelRepository()


LabelTallyDep = Annotated[LabelTally, Depends(label_tally)]


@cache
def promotion_record() -> PromotionRecord:
    return VerifierHeadStore(deployment().models_bucket)


PromotionRecordDep = Annotated[PromotionRecord, Depends(promotion_record)]

# --- leaving -------------------------------------------------------------------------------------------------


@cache
def personal_data() -> PersonalData:
    return PersonalDataRepository()


@cache
def photo_originals() -> PhotoOriginals:
    return S3PhotoStore()


@cache
def sign_ins() -> SignIns:
    """The deployment's user pool."""
    return CognitoUserPool(deployment().user_pool_id)


PersonalDataDep = Annotated[PersonalData, Depends(personal_data)]
PhotoOriginalsDep = Annotated[PhotoOriginals, Depends(photo_originals)]
SignInsDep = Annotated[SignIns, Depends(sign_ins)]


# --- accounts: sign-up and staff -----------------------------------------------------------------------------


@cache
def city_directory() -> CityDirectory:
    return TenantRepository()


CityDirectoryDep = Annotated[CityDirectory, Depends(city_directory)]


@cache
def invite_code_repository() -> InviteCodes:
    return InviteCodeRepository()


InviteCodesDep = Annotated[InviteCodes, Depends(invite_code_repository)]


@cache
def user_pool() -> UserPool:
    """The deployment's Cognito user pool."""
    return CognitoUserPool(deployment().user_pool_id)


UserPoolDep = Annotated[UserPool, Depends(user_pool)]
