"""The Step Functions adapter: a token nobody waits on any more is told as ``TaskClosed``, other errors pass."""

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ecopulse.workflow import CLOSED_TASK_CODES, TaskClosed, TaskTokens


@pytest.fixture
def stepfunctions():
    client = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.mark.parametrize("code", sorted(CLOSED_TASK_CODES))
def test_a_token_nobody_waits_on_is_task_closed(stepfunctions, code):
    client, stubber = stepfunctions
    stubber.add_client_error("send_task_success", service_error_code=code)
    stubber.add_client_error("send_task_failure", service_error_code=code)
    tokens = TaskTokens(client)
    with pytest.raises(TaskClosed, match=code):
        tokens.resume("token", {"outcome": "minted"})
    with pytest.raises(TaskClosed, match=code):
        tokens.fail("token", "MintFailed", "reverted")


def test_other_errors_are_not_taken_for_a_closed_task(stepfunctions):
    client, stubber = stepfunctions
    stubber.add_client_error("send_task_success", service_error_code="ThrottlingException")
    with pytest.raises(ClientError):
        TaskTokens(client).resume("token", {})


def test_an_answer_goes_to_the_token_it_names(stepfunctions):
    client, stubber = stepfunctions
    stubber.add_response("send_task_success", {}, {"taskToken": "token-1", "output": '{"outcome": "minted"}'})
    TaskTokens(client).resume("token-1", {"outcome": "minted"})
    stubber.assert_no_pending_responses()
