"""Starts the whole system on one machine from template.yaml, with no AWS account and no Docker.

- moto in server mode is the AWS emulator (S3, SNS, SES, SQS, Secrets Manager, Step Functions, IAM,
  CloudWatch, Logs) on one loopback port, behind a layer that keeps the template's buckets private as S3 does
  (``private_buckets``), and the official DynamoDB Local serves DynamoDB; the template's resources are created
  in them;
- the template's functions run in worker processes (``lambdas``) that moto's Lambda reaches through
  ``bridge``, so Step Functions tasks and S3 notifications run the real handlers;
- the template's user pool lives in moto with what moto leaves out of Cognito (``cognito``): its triggers run in
  the workers, its messages wait in an outbox, and its ID tokens are signed by the local JWT issuer, which the
  HTTP API served by ``gateway`` checks as its JWT authorizer;
- SQS and DynamoDB stream event source mappings are polled and delivered to their functions (``event_sources``);
- a real Ethereum node (anvil) runs with EcoCoin deployed, and the template's chain parameters point at it;
  the minter's KMS key is made in moto, and its address is granted MINTER_ROLE and gas money, so the mint
  function signs through KMS as it does in AWS;
- ``dashboard/`` and the citizen app (``app/``) are served as static files on ports of their own, each with the
  endpoints it needs in ``/config.json`` and the local sign-in.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import threading
import time
import tomllib
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
import uvicorn
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from moto.sns.models import sns_backends
from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ecopulse.chain.kms_signer import KEY_SPEC, KmsSigner
from ecopulse_local import bridge, cognito
from ecopulse_local.auth import LocalIssuer
from ecopulse_local.chain import RETIRER_KEY, LocalChain
from ecopulse_local.dynamodb_local import DynamoDBLocal
from ecopulse_local.event_sources import (
    Scheduler,
    SqsPoller,
    StreamPoller,
    UnparsedStreams,
    schedules,
    sqs_mappings,
    stream_mappings,
)
from ecopulse_local.faults import Fault
from ecopulse_local.gateway import HttpApiDefinition, HttpApiGateway
from ecopulse_local.kms import sign_digests_as_kms_does
from ecopulse_local.lambdas import Functions, function_specs
from ecopulse_local.private_buckets import NOT_ENFORCED, AwsEmulator
from ecopulse_local.provision import AwsService, Provisioned, Provisioner
from ecopulse_local.s3_auth import Authenticator
from ecopulse_local.template import PLATFORM_APPLICATION, Stack, load_stack

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
# The only credentials the emulator's private buckets take: the runtime's, the functions' and the tests'.
ACCESS_KEY_ID = "local"
SECRET_ACCESS_KEY = "local"  # nosec B105  # the local emulator's fake credentials
SESSION_TOKEN = "local"  # nosec B105  # the local emulator's fake credentials
log = logging.getLogger("ecopulse.local")


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def samconfig_parameter_overrides(root: Path, environment: str) -> dict[str, str]:
    """The parameter_overrides of samconfig.toml's [<environment>.deploy.parameters], as SAM reads them."""
    path = root / "samconfig.toml"
    if not path.exists():
        return {}
    config = tomllib.loads(path.read_text())
    raw = config.get(environment, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", [])
    return parse_parameter_overrides(raw)


def parse_parameter_overrides(raw: str | list[str]) -> dict[str, str]:
    pairs = shlex.split(raw) if isinstance(raw, str) else raw
    return dict(pair.split("=", 1) for pair in pairs)


def default_state_dir(root: Path, environment: str) -> Path:
    return root / ".ecopulse" / environment


def signing_key_path(state_dir: Path) -> Path:
    return state_dir / "jwt-signing-key.pem"


def issuers_for(stack: Stack, state_dir: Path) -> dict[str, LocalIssuer]:
    """One local issuer per JWT authorizer of the template's HTTP APIs (all share the local signing key)."""
    issuers = {}
    for logical_id in stack.of_type("AWS::ApiGatewayV2::Api"):
        for name, config in HttpApiDefinition.from_stack(stack, logical_id).authorizers.items():
            issuers[name] = LocalIssuer(signing_key_path(state_dir), config)
    return issuers


@dataclass
class Endpoints:
    aws: str
    dynamodb: str
    chain: str
    api: str
    dashboard: str
    app: str


@dataclass
class _ThreadedServer:
    server: uvicorn.Server
    thread: threading.Thread

    @classmethod
    def start(cls, app: Any, host: str, port: int) -> _ThreadedServer:
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"could not serve on {host}:{port}")
            time.sleep(0.01)
        return cls(server, thread)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


class LocalRuntime:
    def __init__(
        self,
        root: Path = REPOSITORY_ROOT,
        host: str = "127.0.0.1",
        aws_port: int = 4566,
        dynamodb_port: int = 8000,
        chain_port: int = 8545,
        api_port: int = 3000,
        dashboard_port: int = 3001,
        app_port: int = 3002,
        environment: str = "local",
        state_dir: Path | None = None,
        parameter_overrides: dict[str, str] | None = None,
        async_retry_delays: tuple[float, ...] = (1.0, 2.0),
    ) -> None:
        self.root = root
        self.host = host
        self.ports = {
            "aws": aws_port or free_port(host),
            "dynamodb": dynamodb_port or free_port(host),
            "chain": chain_port or free_port(host),
            "api": api_port or free_port(host),
            "dashboard": dashboard_port or free_port(host),
            "app": app_port or free_port(host),
        }
        self.environment = environment
        self.state_dir = state_dir or default_state_dir(root, environment)
        self.parameter_overrides = (
            samconfig_parameter_overrides(root, environment) if parameter_overrides is None else parameter_overrides
        )
        self._async_retry_delays = async_retry_delays
        self.endpoints = Endpoints(**{name: f"http://{host}:{port}" for name, port in self.ports.items()})
        self.stack: Stack | None = None
        self.functions: Functions | None = None
        self.provisioned: Provisioned | None = None
        self._servers: list[_ThreadedServer] = []
        self._emulator: AwsEmulator | None = None
        self._dynamodb = DynamoDBLocal(host, self.ports["dynamodb"], self.state_dir / "dynamodb")
        self.chain = LocalChain(self.state_dir / "anvil-state.json", port=self.ports["chain"], host=host)
        self.minter_address = ""
        self.outbox = cognito.Outbox()
        self._pollers: list[SqsPoller | StreamPoller | Scheduler] = []

    @property
    def _stack(self) -> Stack:
        if self.stack is None:
            raise RuntimeError("the local runtime has not loaded its template yet")
        return self.stack

    def start(self) -> None:
        """Starts everything, or, if any part fails, stops what did start before raising."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        started = time.perf_counter()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        dynamodb = threading.Thread(target=self._dynamodb.start)
        dynamodb.start()
        self.chain.start()
        self.stack = load_stack(
            self.root / "template.yaml",
            {**self.parameter_overrides, **self._chain_parameters()},
            endpoints={"aws": self.endpoints.aws, "api": self.endpoints.api, "dashboard": self.endpoints.dashboard},
        )
        self._start_emulator()
        minter_key = self._create_minter_key()
        dynamodb.join()
        provisioner = Provisioner(self.stack, self.endpoints.aws, {"dynamodb": self.endpoints.dynamodb})
        self.provisioned = provisioner.provision()
        self._create_platform_applications()
        for logical_id in minter_key:
            self.provisioned.not_emulated.pop(logical_id, None)
            self.provisioned.served_by_runtime[logical_id] = (
                "the runtime (a KMS key in moto granted MINTER_ROLE, or the retirer's RETIRER_ROLE)"
            )
        self.functions = Functions(
            function_specs(self.stack),
            self._worker_environment(),
            self._send_to_destination,
            self._async_retry_delays,
        )
        bridge.install(self.functions)
        issuers = issuers_for(self.stack, self.state_dir)
        self._create_user_pools(issuers)
        sqs = self._client("sqs")
        for mapping in sqs_mappings(self.stack):
            poller = SqsPoller(mapping, sqs, self.functions, self.stack.region)
            poller.start()
            self._pollers.append(poller)
        for stream in stream_mappings(self.stack):
            reader = StreamPoller(
                stream,
                self._client("dynamodb"),
                UnparsedStreams(self._client("dynamodbstreams"), Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)),
                self.functions,
                self.stack.region,
                self._send_to_destination,
            )
            reader.start()
            self._pollers.append(reader)
        rules, not_run = schedules(self.stack)
        for logical_id, reason in not_run.items():
            self.provisioned.served_by_runtime.pop(logical_id, None)
            self.provisioned.not_emulated[logical_id] = reason
        for rule in rules:
            scheduler = Scheduler(rule, self.functions, self.stack.region)
            scheduler.start()
            self._pollers.append(scheduler)
        for logical_id in self.stack.of_type("AWS::ApiGatewayV2::Api"):
            gateway = HttpApiGateway(HttpApiDefinition.from_stack(self.stack, logical_id), self.functions, issuers)
            self._servers.append(_ThreadedServer.start(gateway.asgi(), self.host, self.ports["api"]))
        self._servers.append(
            _ThreadedServer.start(self._dashboard_app(issuers, self.functions), self.host, self.ports["dashboard"])
        )
        self._servers.append(_ThreadedServer.start(self._citizen_app(issuers), self.host, self.ports["app"]))
        self.startup_seconds = time.perf_counter() - started
        (self.state_dir / "runtime.json").write_text(json.dumps(self.describe(), indent=2))

    def _start_emulator(self) -> None:
        os.environ["MOTO_PORT"] = str(self.ports["aws"])  # moto's Step Functions calls Lambda through this port
        buckets = [self._stack.ref(logical_id) for logical_id in self._stack.of_type("AWS::S3::Bucket")]
        authenticator = Authenticator({ACCESS_KEY_ID: SECRET_ACCESS_KEY}, self._stack.region)
        self._emulator = AwsEmulator(self.host, self.ports["aws"], buckets, authenticator)
        self._emulator.start()
        # moto's backends live in the process: a runtime started again begins empty, as after a restart.
        self._moto_api("reset", {})
        sign_digests_as_kms_does()
        self._moto_api("config", {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})

    def _moto_api(self, action: str, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.endpoints.aws}/moto-api/{action}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request).close()  # nosec B310  # http URL of the local moto server

    def _chain_parameters(self) -> dict[str, str]:
        """The template's chain parameters, pointed at the local node (which mines at once, with no tip floor)."""
        return {
            "ChainRpcUrl": self.chain.rpc_url,
            "ChainId": str(self.chain.chain_id),
            "TokenAddress": self.chain.token_address,
            "ImpactRegistryAddress": self.chain.registry_address,
            "ChainFinality": "latest",
            "ChainMinPriorityFeeWei": "0",
        }

    def _create_minter_key(self) -> list[str]:
        """What a deployment does with the template's minter key: KMS makes it (here moto, under the template's
        alias), and the token's admin grants its address MINTER_ROLE and sends it gas money. moto starts empty,
        so every start makes a new key; returns the logical ids of the key and its alias."""
        kms = self._client("kms")
        made = []
        for key_id in self._stack.of_type("AWS::KMS::Key"):
            properties = self._stack.properties(key_id)
            if properties.get("KeySpec") != KEY_SPEC:
                continue
            created = kms.create_key(
                KeySpec=KEY_SPEC, KeyUsage=properties["KeyUsage"], Description=properties.get("Description", "")
            )["KeyMetadata"]["KeyId"]
            made.append(key_id)
            for alias_id in self._stack.of_type("AWS::KMS::Alias"):
                alias = self._stack.properties(alias_id)
                if alias["TargetKeyId"] == self._stack.ref(key_id):
                    kms.create_alias(AliasName=alias["AliasName"], TargetKeyId=created)
                    made.append(alias_id)
            address = KmsSigner(created, kms).address
            if key_id == RETIRER_KEY:
                self.chain.grant_retirer(address)
            else:
                self.minter_address = address
                self.chain.grant_minter(address)
            self.chain.fund(address)
        return made

    def _create_platform_applications(self) -> None:
        """What the template's custom resource does in AWS: the push platform applications whose credentials the
        template was given, in moto, under the names (and so the ARNs) the template gives them."""
        if self.provisioned is None:
            return
        sns = self._client("sns")
        for logical_id, resource in self._stack.of_type(PLATFORM_APPLICATION).items():
            self.provisioned.not_emulated.pop(logical_id, None)
            condition = resource.get("Condition")
            if condition and not self._stack.condition(condition):
                continue
            props = self._stack.properties(logical_id)
            sns.create_platform_application(
                Name=props["Name"], Platform=props["Platform"], Attributes=props.get("Attributes", {})
            )
            self.provisioned.served_by_runtime[logical_id] = "the runtime (an SNS platform application in moto)"

    def _create_user_pools(self, issuers: dict[str, LocalIssuer]) -> None:
        """The template's user pools in moto, under the template's ids, running its triggers in the workers and
        signing ID tokens with the issuer the HTTP API's authorizer trusts."""
        issuer = next(iter(issuers.values()), None)
        if issuer is None or self.functions is None or self.provisioned is None:
            return
        cognito.install()
        made = cognito.provision(self._stack, self._client("cognito-idp"), self.functions.invoke, issuer, self.outbox)
        for logical_id in made:
            self.provisioned.served_by_runtime.pop(logical_id, None)
            self.provisioned.created[logical_id] = self._stack.resources[logical_id]["Type"]

    def _client(self, service: AwsService) -> Any:
        session = boto3.Session(
            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, region_name=self._stack.region
        )
        endpoint = self.endpoints.dynamodb if service in ("dynamodb", "dynamodbstreams") else self.endpoints.aws
        return session.client(service, endpoint_url=endpoint)

    def _worker_environment(self) -> dict[str, str]:
        """What a function sees of the runtime's environment. PYTHONPATH passes, so functions import the same
        ``ecopulse`` as the runtime (a checkout's layers, not whatever the virtualenv installed)."""
        names = ("PATH", "HOME", "LANG", "TZ", "TMPDIR", "PYTHONPATH")
        inherited = {name: os.environ[name] for name in names if name in os.environ}
        return {
            **inherited,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_REGION": self._stack.region,
            "AWS_DEFAULT_REGION": self._stack.region,
            "AWS_ENDPOINT_URL": self.endpoints.aws,
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoints.dynamodb,
            "AWS_SAM_LOCAL": "true",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "PYTHONUNBUFFERED": "1",
        }

    def _send_to_destination(self, destination_arn: str, record: dict[str, Any]) -> None:
        service = destination_arn.split(":")[2]
        if service == "sqs":
            sqs = self._client("sqs")
            queue_url = sqs.get_queue_url(QueueName=destination_arn.split(":")[5])["QueueUrl"]
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
        elif service == "sns":
            self._client("sns").publish(TopicArn=destination_arn, Message=json.dumps(record))
        else:
            log.error("destination %s is not supported locally; record dropped: %s", destination_arn, record)

    def _dashboard_app(self, issuers: dict[str, LocalIssuer], functions: Functions) -> Starlette:
        issuer = next(iter(issuers.values()), None)

        async def config(request: Request) -> JSONResponse:
            return JSONResponse(
                {"apiUrl": self.endpoints.api, "auth": {"mode": "local", "tokenUrl": "/local-auth/token"}}
            )

        async def status(request: Request) -> JSONResponse:
            """Asynchronous invocations queued, running, done: what a test or an operator waits on."""
            return JSONResponse({"async": asdict(functions.async_stats)})

        async def sent(request: Request) -> JSONResponse:
            """What SNS delivered, read from the emulator (AWS keeps no copy to read): each platform endpoint's pushes
            with the user data it was registered with, and each SMS."""
            sns = sns_backends[self._stack.account][self._stack.region]
            endpoints = list(sns.platform_endpoints.values())
            return JSONResponse(
                {
                    "push": [
                        {
                            "endpoint": endpoint.arn,
                            "user_data": endpoint.custom_user_data,
                            "enabled": endpoint.enabled,
                            "messages": list(endpoint.messages.values()),
                        }
                        for endpoint in endpoints
                    ],
                    "sms": [{"phone_number": number, "message": text} for number, text in sns.sms_messages.values()],
                }
            )

        async def faults(request: Request) -> JSONResponse:
            """Fault injection (see ecopulse_local.faults): POST a list of faults to add, DELETE to clear."""
            if request.method == "POST":
                try:
                    added = TypeAdapter(list[Fault]).validate_json(await request.body())
                except ValidationError as error:
                    return JSONResponse({"message": str(error)}, status_code=400)
                functions.faults.add(added)
            elif request.method == "DELETE":
                functions.faults.clear()
            return JSONResponse([fault.model_dump() for fault in functions.faults.all()])

        async def calls(request: Request) -> JSONResponse:
            """Each recent invocation's AWS calls, capacity, duration and memory (ecopulse_local.calls), oldest
            first; ``?request_id=`` keeps one API request's. DELETE forgets them."""
            if request.method == "DELETE":
                functions.calls.clear()
            wanted = request.query_params.get("request_id")
            return JSONResponse([record for record in functions.calls.all() if wanted in (None, record["request_id"])])

        async def next_calls(request: Request) -> JSONResponse:
            """The invocations that ended after the first ``after`` ever recorded, waiting up to ``wait`` seconds
            (at most 60) for one, with the count to ask after next; without ``after``, the count alone. A bench
            follows a pipeline this way without asking the API over and over."""
            try:
                after = request.query_params.get("after")
                seen = None if after is None else int(after)
                wait = min(float(request.query_params.get("wait", "0")), 60.0)
            except ValueError as error:
                return JSONResponse({"message": str(error)}, status_code=400)
            count, records = await run_in_threadpool(functions.calls.after, seen, wait)
            return JSONResponse({"count": count, "records": records})

        return Starlette(
            routes=[
                Route("/config.json", config),
                Route("/local-runtime/faults", faults, methods=["GET", "POST", "DELETE"]),
                Route("/local-runtime/calls", calls, methods=["GET", "DELETE"]),
                Route("/local-runtime/calls/next", next_calls),
                *self._auth_routes(issuer),
                Route("/local-runtime/status", status),
                Route("/local-runtime/sent", sent),
                Mount("/", StaticFiles(directory=self.root / "dashboard" / "dist", html=True)),
            ]
        )

    def _auth_routes(self, issuer: LocalIssuer | None) -> list[Route]:
        """The local sign-in: tokens for any caller, and sign-up and sign-in through the user pool's triggers. A
        template without a JWT authorizer has no tokens to hand out: its sites run without sign-in."""
        if not issuer:
            return []
        routes = _local_auth_routes(issuer)
        clients = self._stack.of_type("AWS::Cognito::UserPoolClient")
        if clients:
            sign_in = LocalSignIn(self._client("cognito-idp"), str(self._stack.ref(next(iter(clients)))), self.outbox)
            routes += sign_in.routes()
        return routes

    def _citizen_app(self, issuers: dict[str, LocalIssuer]) -> Starlette:
        """The citizen app (app/dist) on its own origin, as a phone opens it, with the same local sign-in."""

        async def config(request: Request) -> JSONResponse:
            # No block explorer knows the local chain: a transaction shows as its hash.
            return JSONResponse({"apiUrl": self.endpoints.api, "auth": {"mode": "local"}, "explorerUrl": ""})

        return Starlette(
            routes=[
                Route("/config.json", config),
                *self._auth_routes(next(iter(issuers.values()), None)),
                Mount("/", StaticFiles(directory=self.root / "app" / "dist", html=True, check_dir=False)),
            ]
        )

    def describe(self) -> dict[str, Any]:
        return {
            "endpoints": asdict(self.endpoints),
            "startup_seconds": round(self.startup_seconds, 3),
            "resources": self.provisioned.created if self.provisioned else {},
            "served_by_runtime": self.provisioned.served_by_runtime if self.provisioned else {},
            "not_emulated": self.provisioned.not_emulated if self.provisioned else {},
            "s3_not_enforced": list(NOT_ENFORCED),
            "outputs": self.stack.resolve(self.stack.outputs) if self.stack else {},
            "chain": {
                "rpc_url": self.chain.rpc_url,
                "chain_id": self.chain.chain_id,
                "token_address": self.chain.token_address,
                "minter_address": self.minter_address,
                "registry_address": self.chain.registry_address,
            },
        }

    def stop(self) -> None:
        for poller in self._pollers:
            poller.stop()
        for server in reversed(self._servers):
            server.stop()
        if self.functions:
            self.functions.stop()
        if self._emulator:
            self._emulator.stop()
        self._dynamodb.stop()
        self.chain.stop()


def _local_auth_routes(issuer: LocalIssuer) -> list[Route]:
    """The dashboard's sign-in: an ID token for any user, group and tenant asked for, and the keys to check it."""

    async def token(request: Request) -> JSONResponse:
        form = await request.json()
        groups = [group for group in str(form.get("group", "")).split(",") if group]
        missing = [name for name in ("user", "tenant") if not form.get(name)]
        if missing or not groups:
            return JSONResponse({"message": "user, group and tenant are required"}, status_code=400)
        return JSONResponse({"id_token": issuer.issue(form["user"], groups, form["tenant"])})

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(issuer.jwks())

    return [Route("/local-auth/token", token, methods=["POST"]), Route("/local-auth/jwks.json", jwks)]


class LocalSignIn:
    """Sign-up, confirmation and sign-in against the local user pool, as an app does them through Cognito: each
    runs the pool's triggers, and the ID token comes out of PreTokenGeneration. The messages Cognito would e-mail
    (confirmation codes, invitations with their temporary password) are read from the outbox.

    The password is checked with USER_PASSWORD_AUTH, which moto takes whatever the app client allows; apps use SRP.
    """

    def __init__(self, cognito_idp: Any, client_id: str, outbox: cognito.Outbox) -> None:
        self._cognito, self._client_id, self._outbox = cognito_idp, client_id, outbox

    def sign_up(self, form: dict[str, Any]) -> dict[str, Any]:
        attributes = [{"Name": "custom:tenant", "Value": str(form.get("tenant", ""))}]
        if form.get("phone"):
            attributes.append({"Name": "phone_number", "Value": str(form["phone"])})
        validation = [{"Name": "invite_code", "Value": str(form["invite_code"])}] if form.get("invite_code") else []
        answer = self._cognito.sign_up(
            ClientId=self._client_id,
            Username=str(form.get("email", "")),
            Password=str(form.get("password", "")),
            UserAttributes=attributes,
            ValidationData=validation,
        )
        return {"user_sub": answer["UserSub"], "confirmed": answer["UserConfirmed"]}

    def confirm(self, form: dict[str, Any]) -> dict[str, Any]:
        self._cognito.confirm_sign_up(
            ClientId=self._client_id, Username=str(form.get("email", "")), ConfirmationCode=str(form.get("code", ""))
        )
        return {"confirmed": True}

    def sign_in(self, form: dict[str, Any]) -> dict[str, Any]:
        """An invited account's first sign-in sets its own password (``new_password``), as the hosted UI asks."""
        email = str(form.get("email", ""))
        answer = self._cognito.initiate_auth(
            ClientId=self._client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": str(form.get("password", ""))},
        )
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            if not form.get("new_password"):
                return {"challenge": "NEW_PASSWORD_REQUIRED"}
            answer = self._cognito.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=answer["Session"],
                ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": str(form["new_password"])},
            )
        return {"id_token": answer["AuthenticationResult"]["IdToken"]}

    def outbox(self, address: str) -> list[dict[str, str]]:
        return [
            {"to": m.to, "subject": m.subject, "body": m.body, "sent_at": m.sent_at.isoformat()}
            for m in self._outbox.to(address)
        ]

    def routes(self) -> list[Route]:
        def action(run: Any) -> Any:
            async def endpoint(request: Request) -> JSONResponse:
                form = await request.json()
                try:
                    answer = await run_in_threadpool(run, form if isinstance(form, dict) else {})
                except ClientError as error:
                    details = error.response.get("Error", {})
                    return JSONResponse(
                        {"code": details.get("Code"), "message": details.get("Message")}, status_code=400
                    )
                return JSONResponse(answer)

            return endpoint

        async def outbox(request: Request) -> JSONResponse:
            return JSONResponse(self.outbox(request.query_params.get("to", "")))

        return [
            Route("/local-auth/sign-up", action(self.sign_up), methods=["POST"]),
            Route("/local-auth/confirm", action(self.confirm), methods=["POST"]),
            Route("/local-auth/sign-in", action(self.sign_in), methods=["POST"]),
            Route("/local-auth/outbox", outbox),
        ]
