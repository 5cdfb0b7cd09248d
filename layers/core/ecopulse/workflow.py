"""The approve, mint, notify state machine: starting an execution, and answering the task tokens it waits on."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ecopulse.submissions import TaskClosed

__all__ = ["CLOSED_TASK_CODES", "TaskClosed", "TaskTokens", "Workflow"]

# What Step Functions answers for a token nobody waits on any more: timed out, answered already, or unknown.
CLOSED_TASK_CODES = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class Workflow:
    def __init__(self, state_machine_arn: str, client: Any | None = None) -> None:
        self._arn = state_machine_arn
        self._client = client or boto3.client("stepfunctions")

    def start(self, execution_name: str, payload: dict[str, Any]) -> bool:
        """Starts one execution per name; False when it was started before: the name makes it exactly-once."""
        try:
            self._client.start_execution(
                stateMachineArn=self._arn, name=execution_name, input=json.dumps(payload, default=str)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True


class TaskTokens:
    """The ``TaskTokens`` port on Step Functions: answers a waiting workflow step through its task token; any
    state machine's, so it needs no ARN."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client or boto3.client("stepfunctions")

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        with _closed_as_task_closed():
            self._client.send_task_success(taskToken=task_token, output=json.dumps(output))

    def fail(self, task_token: str, error: str, cause: str) -> None:
        with _closed_as_task_closed():
            self._client.send_task_failure(taskToken=task_token, error=error, cause=cause)


@contextmanager
def _closed_as_task_closed() -> Iterator[None]:
    """Step Functions' answers for a token nobody waits on become ``TaskClosed``; other errors pass."""
    try:
        yield
    except ClientError as error:
        if error.response["Error"]["Code"] in CLOSED_TASK_CODES:
            raise TaskClosed(error.response["Error"]["Code"]) from error
        raise
