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

from ecopulse.paging import CursorSealer
from ecopulse.store import claims, forecasts, impact, models, pages, photo_hashes, review_labels, send_lease, stats
from ecopulse_local.dynamodb_local import DynamoDBLocal
from ecopulse_local.provision import Provisioner
from ecopulse_local.runtime import free_port, issuers_for, parse_parameter_overrides
from ecopulse_local.template import load_stack
from tests.integration.citizens import reviewed_by_a_human
from tests.support import LOCAL_CHAIN_PARAMETERS, running_local_system, wait_until

ROOT = Path(__file__).resolve().parents[2]
TENANT = "pipeline"
# Short enough to watch a review time out within a test, long enough for a test to answer one.
TEST_OVERRIDES = "ReviewTimeoutSeconds=8 RetryIntervalSeconds=1"
TEST_SEALER = CursorSealer(b"integration-tests-cursor-secret")


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
            endpoint_url=self.dynamodb if service in ("dynamodb", "dynamodbstreams") else self.aws,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    @cached_property
    def issuer(self):
        """The local issuer, in process: the same signing key and claims as `ecopulse local token`."""
        stack = load_stack(ROOT / "template.yaml", parse_parameter_overrides(TEST_OVERRIDES) | LOCAL_CHAIN_PARAMETERS)
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

    @property
    def table(self) -> str:
        """The application table, as a bench's Target names it."""
        return self.output("TableName")


@pytest.fixture(scope="session")
def local_system(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("ecopulse-local")
    with running_local_system(state_dir, TEST_OVERRIDES, "--verbose") as described:
        endpoints = described["endpoints"]
        yield LocalSystem(
            endpoints["api"], endpoints["dashboard"], endpoints["aws"], endpoints["dynamodb"], state_dir, described
        )


class Pipeline:
    """The uploads bucket, the table and the state machine of the running system."""

    def __init__(self, system):
        self.system = system
        admin = system.bearer("admin", "admin", TENANT)
        assert httpx.get(system.api + "/me", headers=admin, timeout=60).status_code == 200  # a cold start
        # Every verdict goes to a human here, whatever the photo scores: these tests follow the review path.
        reviewed_by_a_human(system, TENANT)
        self.s3 = system.client("s3")
        self.dynamodb = system.client("dynamodb")
        self.sfn = system.client("stepfunctions")
        self.bucket = system.output("UploadsBucketName")
        self.table = system.output("TableName")
        self.machine = system.output("PipelineStateMachineArn")

    def open_submission(self, tenant: str = TENANT, user: str = "alice") -> tuple[str, dict]:
        """A new cleanup submission through the API: its id and the form for its "after" photo."""
        citizen = self.system.bearer(user, "citizen", tenant)
        opened = httpx.post(self.system.api + "/submissions", json={"task": "cleanup"}, headers=citizen)
        assert opened.status_code == 201, opened.text
        return opened.json()["submission"]["submission_id"], opened.json()["uploads"]["after"]

    def upload(self, body: bytes, tenant: str = TENANT, user: str = "alice") -> str:
        """Opens a submission through the API and posts the photo with the form it returned, as the app does."""
        submission_id, form = self.open_submission(tenant, user)
        posted = httpx.post(form["url"], data=form["fields"], files={"file": ("after.jpg", body, "image/jpeg")})
        assert posted.status_code in (200, 204), posted.text
        return submission_id

    def submission(self, submission_id: str, tenant: str = TENANT) -> dict | None:
        item = self.dynamodb.get_item(
            TableName=self.table,
            Key={"pk": {"S": f"TENANT#{tenant}#SUBMISSION#{submission_id}"}, "sk": {"S": "SUBMISSION"}},
            ConsistentRead=True,
        ).get("Item")
        return {name: next(iter(value.values())) for name, value in item.items()} if item else None

    def wait_for_status(self, submission_id: str, status: str, timeout: float = 20) -> dict:
        return wait_until(
            lambda: (item := self.submission(submission_id)) and item["status"] == status and item, timeout
        )

    def executions(self, submission_id: str) -> list[dict]:
        listed = self.sfn.list_executions(stateMachineArn=self.machine)["executions"]
        return [execution for execution in listed if execution["name"] == submission_id]

    def finished(self, submission_id: str, timeout: float = 20) -> dict:
        def done():
            (execution,) = self.executions(submission_id)
            described = self.sfn.describe_execution(executionArn=execution["executionArn"])
            return described if described["status"] != "RUNNING" else None

        return wait_until(done, timeout)

    def inbox(self, user: str = "alice", tenant: str = TENANT) -> list[dict]:
        answer = httpx.get(self.system.api + "/me/inbox", headers=self.system.bearer(user, "citizen", tenant))
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]


@pytest.fixture(scope="module")
def pipeline(local_system):
    return Pipeline(local_system)


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


@pytest.fixture
def isolated_transactions(request, app_table) -> str:
    """The application table where racing transactions are isolated as DynamoDB isolates them: DynamoDB Local.
    moto checks a transaction's conditions and applies its writes without holding off another thread's."""
    if request.node.callspec.params.get("dynamodb_endpoint") == "moto":
        pytest.skip("moto does not isolate concurrent transactions; the race runs on DynamoDB Local")
    return app_table


def _table_models() -> list[type[Model]]:
    modules = (models, claims, forecasts, impact, photo_hashes, review_labels, send_lease, stats)
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model) and value.__module__ == module.__name__
    ]


@pytest.fixture(scope="module")
def app_table(dynamodb_endpoint) -> str:
    """The application table, created from template.yaml, with every pynamodb model pointed at it."""
    stack = load_stack(
        ROOT / "template.yaml", {"Stage": "dev", **LOCAL_CHAIN_PARAMETERS}, stack_name=f"data-{time.time_ns()}"
    )
    Provisioner(stack, dynamodb_endpoint, {"dynamodb": dynamodb_endpoint}).create("AppTable")
    table_models = _table_models()
    # The functions read the cursor secret from Secrets Manager; the store used in process seals with a test one.
    sealing = pytest.MonkeyPatch()
    sealing.setattr(pages, "cursor_sealer", lambda: TEST_SEALER)
    for model in table_models:
        model.Meta.table_name = stack.ref("AppTable")
        model.Meta.host = dynamodb_endpoint
        model.Meta.aws_access_key_id = "local"
        model.Meta.aws_secret_access_key = "local"
        model._connection = None
    yield stack.ref("AppTable")
    sealing.undo()
    for model in table_models:
        model._connection = None
