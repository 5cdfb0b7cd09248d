"""Starts and resumes the approve, mint, notify state machine."""

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError


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

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        self._client.send_task_success(taskToken=task_token, output=json.dumps(output))

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._client.send_task_failure(taskToken=task_token, error=error, cause=cause)
