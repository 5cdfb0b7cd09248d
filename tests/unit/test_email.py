"""What the workflow tells people: e-mail is best effort, sent only with a sender and an address, SES refusing for
good told apart from a failure worth another try; an overdue review reaches every admin once."""

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ecopulse.messages import NotifyRequest, email_outcome, escalate_review
from ecopulse.notifications import REFUSAL_CODES, EmailRejected, Mailer
from ecopulse.tenants import TenantSettings
from ecopulse.users import User, UserNotFound


@pytest.fixture
def ses():
    client = boto3.client("ses", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.mark.parametrize("code", sorted(REFUSAL_CODES))
def test_a_refusal_no_retry_can_cure_is_email_rejected(ses, code):
    client, stubber = ses
    stubber.add_client_error("send_email", service_error_code=code, service_message="Email address is not verified.")
    with pytest.raises(EmailRejected, match=f"{code}: Email address is not verified"):
        Mailer("no-reply@city.example", client).send("citizen@example.com", "Cleanup approved", "Thank you")


def test_throttling_passes_as_it_is_so_the_workflow_retries_it(ses):
    client, stubber = ses
    stubber.add_client_error("send_email", service_error_code="Throttling", service_message="Maximum sending rate")
    with pytest.raises(ClientError) as raised:
        Mailer("no-reply@city.example", client).send("citizen@example.com", "Cleanup approved", "Thank you")
    assert not isinstance(raised.value, EmailRejected)


def test_the_message_goes_from_the_deployments_sender_to_the_citizen(ses):
    client, stubber = ses
    expected = {
        "Source": "no-reply@city.example",
        "Destination": {"ToAddresses": ["citizen@example.com"]},
        "Message": {"Subject": {"Data": "Cleanup approved"}, "Body": {"Text": {"Data": "Thank you"}}},
    }
    stubber.add_response("send_email", {"MessageId": "m-1"}, expected)
    Mailer("no-reply@city.example", client).send("citizen@example.com", "Cleanup approved", "Thank you")
    stubber.assert_no_pending_responses()


class Postbox:
    """The ``Mail`` port, keeping what was sent or failing as told."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failure = failure

    def send(self, address: str, title: str, body: str) -> None:
        if self.failure:
            raise self.failure
        self.sent.append((address, title, body))


class People:
    def __init__(self, **emails: str | None) -> None:
        self.emails = emails

    def get(self, tenant: str, user_id: str) -> User:
        if user_id not in self.emails:
            raise UserNotFound(user_id)
        email = self.emails[user_id]
        return User(user_id, user_id, tenant, email, None, ("citizen",), True, None, 0, 0.0, 0.0)


def rejected(user_id: str = "alice") -> NotifyRequest:
    return NotifyRequest.model_validate(
        {
            "tenant": "lahore", "submission_id": "sub-1", "user_id": user_id,
            "decision": {"outcome": "rejected", "reason": "the bags are still there", "reviewer": "amina"},
            "recorded": {"status": "rejected"},
        }
    )  # fmt: skip


def test_the_citizen_is_mailed_the_words_the_inbox_shows():
    postbox = Postbox()
    assert email_outcome(postbox, People(alice="alice@example.com"), rejected()) == "sent"
    assert postbox.sent == [("alice@example.com", *rejected().message())]
    assert "the bags are still there" in postbox.sent[0][2]


@pytest.mark.parametrize(
    ("mail", "people", "expected"),
    [(None, People(alice="alice@example.com"), "no sender"), (Postbox(), People(alice=None), "no address")],
    ids=["the deployment sends no mail", "the citizen has no address"],
)
def test_nothing_is_sent_without_a_sender_or_an_address(mail, people, expected):
    assert email_outcome(mail, people, rejected()) == expected
    assert mail is None or mail.sent == []


def test_a_citizen_who_left_is_not_mailed():
    postbox = Postbox()
    assert email_outcome(postbox, People(), rejected("gone")) == "no address"
    assert postbox.sent == []


def test_a_failed_send_raises_for_the_workflow_to_retry_or_record():
    with pytest.raises(EmailRejected):
        email_outcome(Postbox(EmailRejected("MessageRejected")), People(alice="a@example.com"), rejected())


class Inboxes:
    """The ``Notices`` port: one message per (user, sent_at), as the notifier writes them."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str, datetime | None], tuple[str, str]] = {}

    def notify(self, tenant, user_id, title, body, submission_id, sent_at=None) -> str:
        self.messages.setdefault((tenant, user_id, sent_at), (title, body))
        return f"{user_id}-{sent_at}"


class Admins(People):
    def admins(self, tenant: str) -> list[User]:
        return [self.get(tenant, user_id) for user_id in self.emails]


class Settings:
    def __init__(self, action: str) -> None:
        self.action = action

    def settings(self, tenant: str) -> TenantSettings:
        return TenantSettings(review_timeout_action=self.action)

    def save(self, tenant: str, settings: TenantSettings) -> TenantSettings:
        raise AssertionError("an escalation changes no settings")


@pytest.mark.parametrize(("action", "words"), [("wait", "keeps waiting"), ("reject", "rejected as timed out")])
def test_every_admin_is_told_once_of_an_overdue_review_and_what_happens_next(action, words):
    inboxes, at = Inboxes(), datetime(2026, 12, 6, 9, tzinfo=UTC)
    admins = Admins(amina="amina@example.com", omar=None)
    for _ in range(2):
        escalation = escalate_review(inboxes, admins, Settings(action), "lahore", "sub-1", at)
    assert (escalation.action, escalation.admins_told) == (action, 2)
    assert sorted(user for _, user, _ in inboxes.messages) == ["amina", "omar"]
    assert all(title == "Review overdue" and words in body for title, body in inboxes.messages.values())
