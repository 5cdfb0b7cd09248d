"""``ecopulse preflight --config-env dev`` checks an AWS account and a chain before a stage's first deploy.

The rules are ``ecopulse.preflight``'s; this module reads what they need: the stage from template.yaml and
samconfig.toml (through the same SAM transform as ``ecopulse local``), the account through boto3 (SES v2,
Lambda, KMS, IAM, CloudFormation, Cognito, STS) and the chain through ``Web3Chain``, the mint function's own
adapter, reading as the minter key's address. Everything is a read: preflight changes nothing anywhere.

``--endpoint-url`` sends every AWS call to one endpoint, as to ``ecopulse local``'s emulator; moto 5.2 has no
SES v2 ``GetAccount``, Lambda ``GetAccountSettings`` or IAM ``SimulatePrincipalPolicy``, so those checks are
reported as unchecked there.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from eth_account.datastructures import SignedTransaction
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from samtranslator.yaml_helper import yaml_parse

from ecopulse.chain.kms_signer import address_of_public_key
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse.preflight import (
    DEFAULT_MIN_GAS_WEI,
    MINTER_KEY_SPEC,
    Account,
    ConcurrencyQuota,
    MailAccount,
    MailIdentity,
    MinterKey,
    ParameterRule,
    Stage,
    TokenChain,
    Unreadable,
    as_json,
    preflight,
    report,
)
from ecopulse_local.chain import RETIRER_KEY
from ecopulse_local.runtime import REPOSITORY_ROOT, parse_parameter_overrides
from ecopulse_local.template import Stack, load_stack

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 2})


@contextmanager
def reading(operation: str) -> Iterator[None]:
    """An AWS error as Unreadable, said in a line: an emulator without the API answers 404 with an HTML page."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code == "404" or message.lstrip().startswith("<"):
            raise Unreadable(f"{operation}: the endpoint does not implement it") from error
        raise Unreadable(f"{operation}: {code} {message}".strip()) from error
    except BotoCoreError as error:
        raise Unreadable(f"{operation}: {error}".split("\n", 1)[0]) from error


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class SesMail:
    def __init__(self, sesv2: Any) -> None:
        self._sesv2 = sesv2

    def identity(self, name: str) -> MailIdentity | None:
        with reading("sesv2:GetEmailIdentity"):
            try:
                answer = self._sesv2.get_email_identity(EmailIdentity=name)
            except ClientError as error:
                if _error_code(error) == "NotFoundException":
                    return None
                raise
        return MailIdentity(name, str(answer.get("VerificationStatus", "NOT_STARTED")))

    def account(self) -> MailAccount:
        with reading("sesv2:GetAccount"):
            answer = self._sesv2.get_account()
        return MailAccount(
            production_access=bool(answer.get("ProductionAccessEnabled")),
            sending_enabled=bool(answer.get("SendingEnabled")),
        )


class StackResources:
    """The deployed stack's physical ids through CloudFormation; none before the first deploy."""

    def __init__(self, cloudformation: Any, stack_name: str) -> None:
        self._cloudformation = cloudformation
        self._stack_name = stack_name

    def physical_id(self, logical_id: str) -> str | None:
        with reading("cloudformation:DescribeStackResource"):
            try:
                described = self._cloudformation.describe_stack_resource(
                    StackName=self._stack_name, LogicalResourceId=logical_id
                )
            except ClientError as error:
                if _error_code(error) == "ValidationError" and "does not exist" in str(error):
                    return None
                raise
        physical: str | None = described["StackResourceDetail"].get("PhysicalResourceId")
        return physical


class LambdaConcurrency:
    def __init__(self, lambda_client: Any, resources: StackResources) -> None:
        self._lambda = lambda_client
        self._resources = resources

    def quota(self) -> ConcurrencyQuota:
        with reading("lambda:GetAccountSettings"):
            limits = self._lambda.get_account_settings()["AccountLimit"]
        return ConcurrencyQuota(
            limit=limits["ConcurrentExecutions"], unreserved=limits["UnreservedConcurrentExecutions"]
        )

    def reserved_now(self, logical_ids: Sequence[str]) -> int:
        reserved = 0
        for logical_id in logical_ids:
            function = self._resources.physical_id(logical_id)
            if function:
                with reading("lambda:GetFunctionConcurrency"):
                    reserved += int(
                        self._lambda.get_function_concurrency(FunctionName=function).get(
                            "ReservedConcurrentExecutions", 0
                        )
                    )
        return reserved


class KmsKeys:
    def __init__(self, kms: Any) -> None:
        self._kms = kms

    def minter_key(self, key_id: str) -> MinterKey | None:
        with reading("kms:DescribeKey"):
            try:
                metadata = self._kms.describe_key(KeyId=key_id)["KeyMetadata"]
            except ClientError as error:
                if _error_code(error) == "NotFoundException":
                    return None
                raise
        spec = metadata.get("KeySpec", "")
        usage = metadata.get("KeyUsage", "")
        address = None
        if spec == MINTER_KEY_SPEC:
            with reading("kms:GetPublicKey"):
                public_key = self._kms.get_public_key(KeyId=metadata["KeyId"])["PublicKey"]
            address = address_of_public_key(public_key)
        try:
            with reading("kms:GetKeyPolicy"):
                policy = json.loads(self._kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"])
        except Unreadable:
            policy = None
        return MinterKey(
            key_id=metadata["KeyId"],
            arn=metadata["Arn"],
            spec=spec,
            usage=usage,
            enabled=metadata.get("KeyState") == "Enabled",
            address=address,
            policy=policy,
        )


class IamRoles:
    """The mint function's role, found through the stack, and IAM's own evaluation of its policies."""

    def __init__(self, iam: Any, resources: StackResources, role_logical_id: str) -> None:
        self._iam = iam
        self._resources = resources
        self._role_logical_id = role_logical_id

    def minter_role(self) -> str | None:
        name = self._resources.physical_id(self._role_logical_id)
        if name is None:
            return None
        with reading("iam:GetRole"):
            arn: str = self._iam.get_role(RoleName=name)["Role"]["Arn"]
        return arn

    def allowed(self, role_arn: str, actions: Sequence[str], resource_arn: str) -> Mapping[str, bool]:
        with reading("iam:SimulatePrincipalPolicy"):
            results = self._iam.simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=list(actions), ResourceArns=[resource_arn]
            )["EvaluationResults"]
        return {result["EvalActionName"]: result["EvalDecision"] == "allowed" for result in results}


class CognitoDomains:
    def __init__(self, cognito: Any) -> None:
        self._cognito = cognito

    def owner(self, domain: str) -> str | None:
        with reading("cognito-idp:DescribeUserPoolDomain"):
            described = self._cognito.describe_user_pool_domain(Domain=domain).get("DomainDescription", {})
        if not described.get("UserPoolId"):
            return None
        owner: str = described.get("AWSAccountId", "unknown")
        return owner


class AddressOnly:
    """The minter's address for Web3Chain's reads; preflight signs nothing."""

    def __init__(self, address: str) -> None:
        self.address: ChecksumAddress = to_checksum_address(address)

    def sign_transaction(self, transaction: dict[str, Any]) -> SignedTransaction:
        raise TypeError("preflight only reads the chain")


# ----- the stage, from template.yaml and samconfig.toml -----


def samconfig_environment(root: Path, config_env: str) -> dict[str, Any]:
    """samconfig.toml's [<env>.deploy.parameters] over its [default.global.parameters], as SAM reads them."""
    path = root / "samconfig.toml"
    config = tomllib.loads(path.read_text()) if path.exists() else {}
    if config_env not in config:
        raise SystemExit(f"samconfig.toml has no environment {config_env!r}")
    merged: dict[str, Any] = dict(config.get("default", {}).get("global", {}).get("parameters", {}))
    merged.update(config[config_env].get("deploy", {}).get("parameters", {}))
    return merged


def parameter_rules(template: Mapping[str, Any]) -> list[ParameterRule]:
    return [
        ParameterRule(
            name=name,
            allowed_pattern=spec.get("AllowedPattern"),
            allowed_values=tuple(str(value) for value in spec.get("AllowedValues", ())),
            min_value=Decimal(str(spec["MinValue"])) if "MinValue" in spec else None,
            has_default="Default" in spec,
        )
        for name, spec in template.get("Parameters", {}).items()
    ]


def load_stage(
    root: Path, config_env: str, parameters: Mapping[str, str], stack_name: str, region: str, account_id: str
) -> tuple[Stage, str]:
    """The stage and the logical id of the mint function's role, read from the template as CloudFormation
    would resolve it in this account."""
    template = yaml_parse((root / "template.yaml").read_text())
    rules = parameter_rules(template)
    # Loaded with every parameter set, so a missing one is reported by the parameter check, not raised here.
    loadable = {rule.name: "" for rule in rules if not rule.has_default} | dict(parameters)
    stack = load_stack(root / "template.yaml", loadable, stack_name=stack_name, region=region, account=account_id)
    alias, minter_function = _minter(stack)
    role = _role_of(stack, minter_function)
    (domain,) = [stack.properties(logical_id)["Domain"] for logical_id in stack.of_type("AWS::Cognito::UserPoolDomain")]
    reservations = {
        logical_id: int(reserved)
        for logical_id in stack.of_type("AWS::Lambda::Function")
        if (reserved := stack.properties(logical_id).get("ReservedConcurrentExecutions")) is not None
    }
    chain_id = str(parameters.get("ChainId", ""))
    stage = Stage(
        name=config_env,
        stack_name=stack_name,
        parameters=dict(parameters),
        parameter_rules=rules,
        sender=str(parameters.get("NotificationSender", "")),
        # The template's DeployedStagesSendEmail rule: every stage but local must name a sender.
        requires_email=parameters.get("Stage", "dev") != "local",
        chain_rpc_url=str(parameters.get("ChainRpcUrl", "")),
        chain_id=int(chain_id) if chain_id.isdigit() else 0,
        token_address=str(parameters.get("TokenAddress", "")),
        minter_key_alias=alias,
        cognito_domain=str(domain),
        reservations=reservations,
    )
    return stage, role


def _minter(stack: Stack) -> tuple[str, str]:
    """The alias of the template's secp256k1 key, and the function that signs with it: one naming the alias in
    its environment whose role has kms:Sign (others may name it only to read the minter's address)."""
    keys = [
        stack.ref(key)
        for key, resource in stack.of_type("AWS::KMS::Key").items()
        if _signs_ethereum(resource) and key != RETIRER_KEY
    ]
    aliases = [
        str(stack.properties(alias)["AliasName"])
        for alias in stack.of_type("AWS::KMS::Alias")
        if stack.properties(alias)["TargetKeyId"] in keys
    ]
    if len(aliases) != 1:
        raise SystemExit(f"template.yaml should have one alias for one {MINTER_KEY_SPEC} key, found {aliases}")
    signers = [
        function
        for function in stack.of_type("AWS::Lambda::Function")
        if aliases[0] in stack.properties(function).get("Environment", {}).get("Variables", {}).values()
        and "kms:Sign" in _role_actions(stack, _role_of(stack, function))
    ]
    if len(signers) != 1:
        raise SystemExit(f"template.yaml should have one function signing with {aliases[0]}, found {signers}")
    return aliases[0], signers[0]


def _role_of(stack: Stack, function: str) -> str:
    role: str = stack.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


def _role_actions(stack: Stack, role: str) -> set[str]:
    """Every action the role's inline policies name (SAM's Policies become these)."""
    actions: set[str] = set()
    for policy in stack.properties(role).get("Policies", []):
        statements = policy["PolicyDocument"].get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            action = statement.get("Action", [])
            actions.update(action if isinstance(action, list) else [action])
    return actions


def _signs_ethereum(resource: Mapping[str, Any]) -> bool:
    return bool(resource.get("Properties", {}).get("KeySpec") == MINTER_KEY_SPEC)


# ----- the command -----


def add_commands(commands: Any) -> None:
    """Adds ``preflight`` to the ``ecopulse`` parser's subcommands."""
    checking = commands.add_parser(
        "preflight",
        help="check an AWS account and the chain before deploying a stage; exits 1 on anything blocking",
    )
    checking.add_argument("--config-env", default="dev", help="samconfig.toml environment (dev, prod)")
    checking.add_argument("--root", type=Path, default=REPOSITORY_ROOT, help="folder holding template.yaml")
    checking.add_argument(
        "--parameter-overrides", default="", help='on top of samconfig.toml\'s, as SAM takes them: "Name=Value ..."'
    )
    checking.add_argument("--stack-name", help="default: samconfig.toml's stack_name")
    checking.add_argument("--region", help="default: samconfig.toml's region, else the AWS configuration's")
    checking.add_argument(
        "--endpoint-url", help="send every AWS call here, e.g. ecopulse local's emulator (http://127.0.0.1:4566)"
    )
    checking.add_argument(
        "--min-gas-balance",
        type=Decimal,
        default=Decimal(DEFAULT_MIN_GAS_WEI).scaleb(-18),
        help="the least of the chain's coin the minter should hold (default: %(default)s)",
    )
    checking.add_argument("--json", action="store_true", help="print the findings as JSON")
    checking.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    environment = samconfig_environment(args.root, args.config_env)
    parameters = {
        **parse_parameter_overrides(environment.get("parameter_overrides", "")),
        **parse_parameter_overrides(args.parameter_overrides),
    }
    stack_name = args.stack_name or environment.get("stack_name") or "ecopulse"
    session = boto3.Session(region_name=args.region or environment.get("region"))
    region = session.region_name or "us-east-1"

    def client(service: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=args.endpoint_url, config=_RETRIES)  # type: ignore[call-overload]

    try:
        account_id = str(client("sts").get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as error:
        raise SystemExit(f"no AWS account to check: {error}") from error
    stage, role = load_stage(args.root, args.config_env, parameters, stack_name, region, account_id)
    resources = StackResources(client("cloudformation"), stack_name)
    account = Account(
        account_id=account_id,
        mail=SesMail(client("sesv2")),
        concurrency=LambdaConcurrency(client("lambda"), resources),
        keys=KmsKeys(client("kms")),
        roles=IamRoles(client("iam"), resources, role),
        domains=CognitoDomains(client("cognito-idp")),
        chain=lambda key: _token_chain(stage, key),
    )
    findings = preflight(stage, account, min_gas_wei=int(args.min_gas_balance.scaleb(18)))
    print(as_json(findings) if args.json else report(findings))
    return 1 if any(finding.blocks for finding in findings) else 0


def _token_chain(stage: Stage, key: MinterKey | None) -> TokenChain:
    address = key.address if key and key.address else ZERO_ADDRESS
    return Web3Chain(stage.chain_rpc_url, stage.chain_id, stage.token_address, AddressOnly(address), attempts=1)
