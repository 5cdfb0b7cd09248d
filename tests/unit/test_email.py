"""E-mail is best effort: SES refusing for good is told apart from a failure worth another try."""

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ecopulse.notifications import REFUSAL_CODES, EmailRejected, Mailer


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
