"""Starts `ecopulse local` as a user would, on free ports, and hands tests clients for it."""

import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import boto3
import httpx
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from pynamodb.models import Model

from ecopulse.store import claims, models, photo_hashes
from ecopulse_local.dynamodb_local import DynamoDBLocal
from ecopulse_local.provision import Provisioner
from ecopulse_local.runtime import free_port, issuers_for, parse_parameter_overrides
from ecopulse_local.template import load_stack
from tests.support import running_local_system

ROOT = Path(__file__).resolve().parents[2]
# Short enough to watch a review time out within a test, long enough for a test to answer one.
TEST_OVERRIDES = "ReviewTimeoutSeconds=8 RetryIntervalSeconds=1"


@dataclass
class LocalSystem:
    api: str
    dashboard: str
    aws: str
    dynamodb: str
    state_dir: Path
    described: dict

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.dynamodb if service == "dynamodb" else self.aws,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    @cached_property
    def issuer(self):
        """The local issuer, in process: the same signing key and claims as `ecopulse local token`."""
        stack = load_stack(ROOT / "template.yaml", parse_parameter_overrides(TEST_OVERRIDES))
        return next(iter(issuers_for(stack, self.state_dir).values()))

    def bearer(self, user: str, group: str, tenant: str, **options) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(user, [group], tenant, **options)}

    def cli_token(self, user: str, group: str, tenant: str, *extra: str) -> str:
        completed = subprocess.run(
            [
                sys.executable, "-m", "ecopulse_local.cli", "local", "--state-dir", str(self.state_dir),
                "--parameter-overrides", TEST_OVERRIDES,
                "token", "--user", user, "--group", group, "--tenant", tenant, *extra,
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return completed.stdout.strip()

    def async_stats(self) -> dict:
        return httpx.get(self.dashboard + "/local-runtime/status").json()["async"]

    def output(self, name: str) -> str:
        return self.described["outputs"][name]["Value"]


@pytest.fixture(scope="session")
def local_system(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("ecopulse-local")
    with running_local_system(state_dir, TEST_OVERRIDES, "--verbose") as described:
        endpoints = described["endpoints"]
        yield LocalSystem(
            endpoints["api"], endpoints["dashboard"], endpoints["aws"], endpoints["dynamodb"], state_dir, described
        )


@pytest.fixture(scope="module", params=["moto", "dynamodb-local"])
def dynamodb_endpoint(request, tmp_path_factory):
    """Data-layer tests run against both: moto as the emulator, DynamoDB Local for real DynamoDB semantics."""
    port = free_port("127.0.0.1")
    if request.param == "moto":
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    else:
        server = DynamoDBLocal("127.0.0.1", port, tmp_path_factory.mktemp("dynamodb-local"))
        server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _table_models() -> list[type[Model]]:
    modules = (models, claims, photo_hashes)
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model) and value.__module__ == module.__name__
    ]


@pytest.fixture(scope="module")
def app_table(dynamodb_endpoint) -> str:
    """The application table, created from template.yaml, with every pynamodb model pointed at it."""
    stack = load_stack(ROOT / "template.yaml", {"Stage": "dev"}, stack_name=f"data-{time.time_ns()}")
    Provisioner(stack, dynamodb_endpoint, {"dynamodb": dynamodb_endpoint}).create("AppTable")
    table_models = _table_models()
    for model in table_models:
        model.Meta.table_name = stack.ref("AppTable")
        model.Meta.host = dynamodb_endpoint
        model.Meta.aws_access_key_id = "local"
        model.Meta.aws_secret_access_key = "local"
        model._connection = None
    yield stack.ref("AppTable")
    for model in table_models:
        model._connection = None
