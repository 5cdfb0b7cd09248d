"""Whether an AWS account and a chain are ready for a stage of EcoPulse, asked before its first deploy.

Each check reads the account or the chain through a small port and returns findings: what it saw and, when
something needs doing, the remedy. A blocking finding is one the deploy would fail on or the deployed system
could not work with (no MINTER_ROLE, a sender nobody verified, a reservation the quota refuses); advice is
worth doing but stops nothing (the SES sandbox); what a port could not read (no permission, an emulator without
the API) is reported as unchecked, never passed silently.

Resources the stack itself makes (the minter key, the sender's SES identity, the minter's role) are absent
before the first deploy; their checks say what to do after it, and a second run then checks them for real.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any, Protocol

from ecopulse.chain.ports import ChainError

MINTER_KEY_SPEC = "ECC_SECG_P256K1"
MINTER_KEY_USAGE = "SIGN_VERIFY"
MINTER_ACTIONS = ("kms:Sign", "kms:GetPublicKey")
"""What the mint function's role needs on its key, and all it needs."""
KEY_ADMIN_ACTIONS = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateGrant")
"""Rights that would let a stolen function credential take the key from its owner or sign through a grant."""
UNRESERVED_MINIMUM = 100
"""Lambda refuses any reservation that would leave fewer unreserved executions than this."""
REQUESTED_QUOTA = 1000
DEFAULT_MIN_GAS_WEI = 10**17
"""0.1 of the chain's coin: some 65 claims at about 51k gas each and 30 gwei, Polygon's usual fee."""
_RESERVED_MAIL_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_MAIL_TLDS = ("example", "test", "invalid", "localhost")
_COGNITO_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_COGNITO_RESERVED_WORDS = ("aws", "amazon", "cognito")


class Status(StrEnum):
    OK = "ok"
    ADVICE = "advice"
    BLOCKING = "blocking"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str
    remedy: str = ""

    @property
    def blocks(self) -> bool:
        return self.status is Status.BLOCKING


class Unreadable(Exception):
    """A port could not read what a check needs: access denied, or an endpoint without the API."""


@dataclass(frozen=True)
class ParameterRule:
    """A template parameter's constraints, as CloudFormation checks them before creating anything."""

    name: str
    allowed_pattern: str | None = None
    allowed_values: tuple[str, ...] = ()
    min_value: Decimal | None = None
    has_default: bool = False


@dataclass(frozen=True)
class Stage:
    """What the template and samconfig.toml's environment ask of the account and the chain."""

    name: str
    stack_name: str
    parameters: Mapping[str, str]
    parameter_rules: Sequence[ParameterRule]
    sender: str
    chain_rpc_url: str
    chain_id: int
    token_address: str
    minter_key_alias: str
    cognito_domain: str
    reservations: Mapping[str, int] = field(default_factory=dict)
    """Reserved concurrency by function logical id, when the parameters turn reservation on."""
    requires_email: bool = True
    """Every stage but local must name a sender (the template's DeployedStagesSendEmail rule)."""


# ----- ports -----


@dataclass(frozen=True)
class MailIdentity:
    name: str
    verification_status: str
    """SES's word: SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE or NOT_STARTED."""

    @property
    def verified(self) -> bool:
        return self.verification_status == "SUCCESS"


@dataclass(frozen=True)
class MailAccount:
    production_access: bool
    sending_enabled: bool


class Mail(Protocol):
    def identity(self, name: str) -> MailIdentity | None:
        """The SES identity of an address or a domain, None when the account has none."""
        ...

    def account(self) -> MailAccount: ...


@dataclass(frozen=True)
class ConcurrencyQuota:
    limit: int
    unreserved: int


class Concurrency(Protocol):
    def quota(self) -> ConcurrencyQuota: ...

    def reserved_now(self, logical_ids: Sequence[str]) -> int:
        """What the deployed stack's functions of these ids reserve already (0 before the first deploy)."""
        ...


@dataclass(frozen=True)
class MinterKey:
    key_id: str
    arn: str
    spec: str
    usage: str
    enabled: bool
    address: str | None
    """The Ethereum address of its public key; None when the key is not a secp256k1 key."""
    policy: Mapping[str, Any] | None = None
    """The key policy, None when it could not be read."""


class Keys(Protocol):
    def minter_key(self, key_id: str) -> MinterKey | None:
        """The key by id, ARN or alias; None when there is none."""
        ...


class Roles(Protocol):
    def minter_role(self) -> str | None:
        """The ARN of the mint function's role; None before the first deploy."""
        ...

    def allowed(self, role_arn: str, actions: Sequence[str], resource_arn: str) -> Mapping[str, bool]:
        """IAM's decision for each action on the resource: whether the role's policies allow it."""
        ...


class Domains(Protocol):
    def owner(self, domain: str) -> str | None:
        """The account id whose user pool holds the Cognito domain prefix, None when it is free."""
        ...


class TokenChain(Protocol):
    """The reads of ``ecopulse.chain.ports.Chain`` that tell whether the minter can pay (Web3Chain has them)."""

    def chain_id(self) -> int: ...

    def token_deployed(self) -> bool: ...

    def signer_can_mint(self) -> bool: ...

    def gas_balance(self) -> int: ...


# ----- checks -----


def check_parameters(stage: Stage) -> list[Finding]:
    """The template's parameter constraints against the environment's values: CloudFormation stops on these."""
    findings = []
    for rule in stage.parameter_rules:
        value = stage.parameters.get(rule.name)
        problem = _parameter_problem(rule, value)
        if problem:
            findings.append(
                Finding(
                    f"parameters.{rule.name}",
                    Status.BLOCKING,
                    f"{rule.name} {problem}: the deploy stops on it",
                    f"set {rule.name} in samconfig.toml's [{stage.name}.deploy.parameters] parameter_overrides",
                )
            )
    return findings or [Finding("parameters", Status.OK, "every template parameter has an acceptable value")]


def _parameter_problem(rule: ParameterRule, value: str | None) -> str | None:
    if value is None:
        return None if rule.has_default else "has no value and no default"
    if rule.allowed_pattern and not re.fullmatch(rule.allowed_pattern, value):
        return f"is {value!r}, which does not match {rule.allowed_pattern}"
    if rule.allowed_values and value not in rule.allowed_values:
        return f"is {value!r}, not one of {', '.join(rule.allowed_values)}"
    if rule.min_value is not None:
        try:
            if Decimal(value) < rule.min_value:
                return f"is {value}, below its minimum {rule.min_value}"
        except ArithmeticError:
            return f"is {value!r}, not a number"
    return None


def check_sender(mail: Mail, stage: Stage, stack_deployed: bool) -> list[Finding]:
    """The sender's address, or its domain, verified in SES: until then SES refuses every e-mail from it."""
    sender = stage.sender
    if not sender:
        if stage.requires_email:
            return [_set_sender(stage, f"NotificationSender is empty, which the template refuses for {stage.name}")]
        return [Finding("ses.sender", Status.OK, "this stage sends no e-mail (NotificationSender is empty)")]
    if "@" not in sender:
        return [_set_sender(stage, f"NotificationSender {sender!r} is not an e-mail address")]
    domain = sender.rsplit("@", 1)[1].lower()
    identities = [identity for identity in (mail.identity(sender), mail.identity(domain)) if identity]
    if any(identity.verified for identity in identities):
        verified = next(identity.name for identity in identities if identity.verified)
        return [Finding("ses.sender", Status.OK, f"SES has verified {verified}, so it sends as {sender}")]
    if _reserved_mail_domain(domain):
        return [_set_sender(stage, f"{sender} is at a reserved domain: no verification link can reach it")]
    if identities:
        statuses = ", ".join(f"{identity.name} {identity.verification_status}" for identity in identities)
        return [
            Finding(
                "ses.sender",
                Status.BLOCKING,
                f"SES has not verified {sender} ({statuses}): every e-mail from it is refused",
                f"click the link SES sent to {sender}; the identity's page in the SES console shows its status",
            )
        ]
    if stack_deployed:
        return [
            Finding(
                "ses.sender",
                Status.BLOCKING,
                f"SES has no identity for {sender} or {domain} although the stack is deployed",
                "deploy again so the stack's SenderIdentity exists, then click the link SES sends",
            )
        ]
    return [
        Finding(
            "ses.sender",
            Status.ADVICE,
            f"SES has no identity for {sender} yet: the first deploy creates it and SES mails a link to it",
            f"after the deploy, click the link in {sender}'s inbox",
        )
    ]


def _set_sender(stage: Stage, problem: str) -> Finding:
    return Finding(
        "ses.sender",
        Status.BLOCKING,
        problem,
        f"set NotificationSender in samconfig.toml's [{stage.name}.deploy.parameters] to an address you receive"
        " mail at, or one at a domain you control",
    )


def _reserved_mail_domain(domain: str) -> bool:
    """RFC 2606 and 6761 names: no mailbox exists there, so SES's link is never read."""
    return domain.rsplit(".", 1)[-1] in _RESERVED_MAIL_TLDS or any(
        domain == reserved or domain.endswith("." + reserved) for reserved in _RESERVED_MAIL_DOMAINS
    )


def check_sandbox(mail: Mail) -> list[Finding]:
    """Out of the sandbox, SES mails anyone; in it, only verified recipients, so citizens get no e-mail."""
    account = mail.account()
    findings = []
    if not account.sending_enabled:
        findings.append(
            Finding(
                "ses.account",
                Status.BLOCKING,
                "SES sending is paused for this account and region",
                "read the notice in the SES console's account dashboard and ask AWS to resume sending",
            )
        )
    if account.production_access:
        findings.append(Finding("ses.account", Status.OK, "SES has production access: it mails any address"))
    else:
        findings.append(
            Finding(
                "ses.account",
                Status.ADVICE,
                "SES is in the sandbox: only verified recipients get e-mail (the inbox and push still work)",
                "ask for production access (SES console, Get set up) before citizens sign up",
            )
        )
    return findings


def check_concurrency(concurrency: Concurrency, stage: Stage) -> list[Finding]:
    """The template's reservations against what Lambda lets the account reserve."""
    quota = concurrency.quota()
    wanted = sum(stage.reservations.values())
    if not wanted:
        if quota.limit >= REQUESTED_QUOTA:
            return [Finding("lambda.concurrency", Status.OK, f"the account may run {quota.limit} executions at once")]
        return [
            Finding(
                "lambda.concurrency",
                Status.ADVICE,
                f"the account may run {quota.limit} executions at once and the template reserves none, so an"
                " upload burst can take the API's share",
                f"ask Service Quotas (AWS Lambda, Concurrent executions) for {REQUESTED_QUOTA}, then set"
                " ReserveConcurrency=true",
            )
        ]
    needed = wanted - concurrency.reserved_now(list(stage.reservations))
    reservable = quota.unreserved - UNRESERVED_MINIMUM
    shares = ", ".join(f"{logical_id} {count}" for logical_id, count in sorted(stage.reservations.items()))
    if needed > reservable:
        return [
            Finding(
                "lambda.concurrency",
                Status.BLOCKING,
                f"the template reserves {wanted} executions ({shares}) but Lambda lets this account reserve only"
                f" {max(reservable, 0)} more of its {quota.limit} (it keeps {UNRESERVED_MINIMUM} unreserved)",
                f"ask Service Quotas (AWS Lambda, Concurrent executions) for at least"
                f" {quota.limit + needed - reservable}, or deploy with ReserveConcurrency=false until it is granted",
            )
        ]
    return [
        Finding(
            "lambda.concurrency",
            Status.OK,
            f"the template reserves {wanted} executions ({shares}); {quota.unreserved} of {quota.limit} are free",
        )
    ]


def check_minter_key(key: MinterKey | None, stage: Stage) -> list[Finding]:
    """The minter key can sign Ethereum transactions, and its policy lets nobody outside the account use it."""
    if key is None:
        return [
            Finding(
                "kms.minter_key",
                Status.ADVICE,
                f"there is no key {stage.minter_key_alias} yet: the first deploy makes it",
                "after the deploy, grant its address MINTER_ROLE and send it gas (docs/deploy.md), then run"
                " preflight again",
            )
        ]
    findings = []
    if key.spec != MINTER_KEY_SPEC or key.usage != MINTER_KEY_USAGE or key.address is None:
        findings.append(
            Finding(
                "kms.minter_key",
                Status.BLOCKING,
                f"{stage.minter_key_alias} is a {key.spec} {key.usage} key, not {MINTER_KEY_SPEC} {MINTER_KEY_USAGE}:"
                " it cannot sign Ethereum transactions",
                f"point {stage.minter_key_alias} at a {MINTER_KEY_SPEC} {MINTER_KEY_USAGE} key (a key's spec cannot"
                " change), as the template's MinterKey is",
            )
        )
    if not key.enabled:
        findings.append(
            Finding(
                "kms.minter_key",
                Status.BLOCKING,
                f"{stage.minter_key_alias} ({key.key_id}) is not enabled: every signature is refused",
                f"aws kms enable-key --key-id {key.key_id} (or cancel its deletion first)",
            )
        )
    if key.policy is None:
        findings.append(
            Finding(
                "kms.key_policy",
                Status.UNCHECKED,
                f"the policy of {stage.minter_key_alias} could not be read",
                "run preflight with kms:GetKeyPolicy on the key",
            )
        )
    else:
        public = [sid for sid, statement in _statements(key.policy) if _lets_anyone_sign(statement)]
        if public:
            findings.append(
                Finding(
                    "kms.key_policy",
                    Status.BLOCKING,
                    f"the policy of {stage.minter_key_alias} lets any AWS principal sign ({', '.join(public)}):"
                    " anyone could mint as the minter",
                    "remove the statement, or name the account's root as its principal as the template does",
                )
            )
    if not findings:
        findings.append(
            Finding(
                "kms.minter_key",
                Status.OK,
                f"{stage.minter_key_alias} is an enabled {MINTER_KEY_SPEC} signing key, address {key.address}",
            )
        )
    return findings


def _statements(policy: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    statements = policy.get("Statement", [])
    listed = statements if isinstance(statements, list) else [statements]
    return [(str(statement.get("Sid", f"statement {index}")), statement) for index, statement in enumerate(listed)]


def _lets_anyone_sign(statement: Mapping[str, Any]) -> bool:
    """An unconditional Allow of signing to every principal ("*" or {"AWS": "*"})."""
    if statement.get("Effect") != "Allow" or statement.get("Condition"):
        return False
    principal = statement.get("Principal")
    principals = principal.get("AWS") if isinstance(principal, Mapping) else principal
    if "*" not in (principals if isinstance(principals, list) else [principals]):
        return False
    actions = statement.get("Action", [])
    return any(fnmatchcase("kms:sign", pattern.lower()) for pattern in _listed(actions))


def _listed(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def check_minter_role(roles: Roles, key: MinterKey | None, stage: Stage) -> list[Finding]:
    """The mint function's role may sign with its key and read its address, and may not administer the key."""
    if key is None:
        return [
            Finding(
                "iam.minter_role",
                Status.ADVICE,
                "the mint function's rights on its key are checked once the key exists",
                "run preflight again after the deploy",
            )
        ]
    role = roles.minter_role()
    if role is None:
        return [
            Finding(
                "iam.minter_role",
                Status.ADVICE,
                f"CloudFormation has no stack {stage.stack_name} with a mint function role to check",
                "the deploy makes it: run preflight again after it",
            )
        ]
    decisions = roles.allowed(role, [*MINTER_ACTIONS, *KEY_ADMIN_ACTIONS], key.arn)
    missing = [action for action in MINTER_ACTIONS if not decisions.get(action)]
    excess = [action for action in KEY_ADMIN_ACTIONS if decisions.get(action)]
    findings = []
    if missing:
        findings.append(
            Finding(
                "iam.minter_role",
                Status.BLOCKING,
                f"{role} may not {', '.join(missing)} on {key.arn}: the minter cannot sign",
                "deploy the template's MintFunction policies unchanged (kms:Sign and kms:GetPublicKey on MinterKey)",
            )
        )
    if excess:
        findings.append(
            Finding(
                "iam.minter_role",
                Status.ADVICE,
                f"{role} may also {', '.join(excess)} on the minter key: more than signing needs",
                "remove those rights from the role's policies; the function needs kms:Sign and kms:GetPublicKey",
            )
        )
    return findings or [
        Finding("iam.minter_role", Status.OK, f"{role} may sign with the minter key and nothing more on it")
    ]


def check_cognito_domain(domains: Domains, stage: Stage, account_id: str) -> list[Finding]:
    """The hosted UI's domain prefix is valid and free, or already this account's (a redeploy)."""
    domain = stage.cognito_domain
    if not _COGNITO_PREFIX.fullmatch(domain) or any(word in domain for word in _COGNITO_RESERVED_WORDS):
        return [
            Finding(
                "cognito.domain",
                Status.BLOCKING,
                f"Cognito refuses the domain prefix {domain!r}: lowercase letters, digits and inner hyphens only,"
                f" at most 63, without {', '.join(_COGNITO_RESERVED_WORDS)}",
                "choose a stack_name in samconfig.toml that makes a valid prefix",
            )
        ]
    owner = domains.owner(domain)
    if owner is None:
        return [Finding("cognito.domain", Status.OK, f"the Cognito domain {domain} is free")]
    if owner == account_id:
        return [Finding("cognito.domain", Status.OK, f"the Cognito domain {domain} is this account's")]
    return [
        Finding(
            "cognito.domain",
            Status.BLOCKING,
            f"the Cognito domain {domain} belongs to another account ({owner}): the user pool's domain would fail",
            "deploy under another stack_name, or change UserPoolDomain's Domain in template.yaml",
        )
    ]


def check_token(chain: TokenChain, stage: Stage, minter: MinterKey | None, min_gas_wei: int) -> list[Finding]:
    """The chain the node serves, the token's code, then the minter's role and gas: each read is meaningful only
    once the one before it has passed, as in ``ecopulse.chain.readiness``."""
    try:
        return _token_findings(chain, stage, minter, min_gas_wei)
    except ChainError as error:
        return [
            Finding(
                "chain.node",
                Status.BLOCKING,
                f"{stage.chain_rpc_url} did not answer: {error}",
                "set ChainRpcUrl to a working endpoint of the network (your provider's URL for Polygon PoS)",
            )
        ]


def _token_findings(chain: TokenChain, stage: Stage, minter: MinterKey | None, min_gas_wei: int) -> list[Finding]:
    served = chain.chain_id()
    if served != stage.chain_id:
        return [
            Finding(
                "chain.id",
                Status.BLOCKING,
                f"{stage.chain_rpc_url} serves chain {served}, not ChainId {stage.chain_id}",
                "point ChainRpcUrl at the network ChainId names (80002 Polygon Amoy, 137 Polygon PoS), or fix ChainId",
            )
        ]
    findings = [Finding("chain.id", Status.OK, f"{stage.chain_rpc_url} serves chain {served}")]
    if not chain.token_deployed():
        findings.append(
            Finding(
                "chain.token",
                Status.BLOCKING,
                f"there is no contract at TokenAddress {stage.token_address} on chain {served}",
                "deploy EcoCoin with `ecopulse chain deploy` and set TokenAddress to the address it prints",
            )
        )
        return findings
    findings.append(Finding("chain.token", Status.OK, f"EcoCoin has code at {stage.token_address}"))
    if minter is None or minter.address is None:
        findings.append(
            Finding(
                "chain.minter",
                Status.ADVICE,
                "the minter's MINTER_ROLE and gas are checked once its KMS key exists and can sign",
                "run preflight again after the deploy",
            )
        )
        return findings
    if chain.signer_can_mint():
        findings.append(Finding("chain.minter_role", Status.OK, f"{minter.address} holds MINTER_ROLE"))
    else:
        findings.append(
            Finding(
                "chain.minter_role",
                Status.BLOCKING,
                f"the minter {minter.address} does not hold MINTER_ROLE on {stage.token_address}:"
                " the mint function refuses every batch",
                f"as the token's admin: ecopulse chain grant-minter --rpc-url {stage.chain_rpc_url} --chain-id"
                f" {stage.chain_id} --token {stage.token_address} --minter-kms-key {stage.minter_key_alias}"
                " (--dry-run for the address to grant from a multisig)",
            )
        )
    balance = chain.gas_balance()
    if balance < min_gas_wei:
        findings.append(
            Finding(
                "chain.gas",
                Status.BLOCKING,
                f"the minter {minter.address} holds {_coin(balance)} of the chain's coin, below the"
                f" {_coin(min_gas_wei)} it needs for gas",
                f"send {minter.address} the chain's coin (POL on Polygon; Amoy's faucet for dev)",
            )
        )
    else:
        findings.append(Finding("chain.gas", Status.OK, f"the minter holds {_coin(balance)} for gas"))
    return findings


def _coin(wei: int) -> str:
    return f"{Decimal(wei).scaleb(-18).normalize():f}"


@dataclass(frozen=True)
class Account:
    """The ports of one account and chain."""

    account_id: str
    mail: Mail
    concurrency: Concurrency
    keys: Keys
    roles: Roles
    domains: Domains
    chain: Callable[[MinterKey | None], TokenChain]
    """The token's chain as the minter sees it, given the minter key found (if any)."""


_CHAIN_PARAMETERS = ("ChainRpcUrl", "ChainId", "TokenAddress")


def preflight(stage: Stage, account: Account, min_gas_wei: int = DEFAULT_MIN_GAS_WEI) -> list[Finding]:
    """Every check, in the order an operator fixes things; one that cannot read its port says so and the rest
    still run. The minter key tells whether the stack has been deployed: the stack makes it and keeps it."""
    findings = check_parameters(stage)
    try:
        key = account.keys.minter_key(stage.minter_key_alias)
        findings += check_minter_key(key, stage)
    except Unreadable as error:
        key = None
        findings.append(_unchecked("kms.minter_key", error))
    findings += _run("ses.sender", lambda: check_sender(account.mail, stage, stack_deployed=key is not None))
    findings += _run("ses.account", lambda: check_sandbox(account.mail))
    findings += _run("lambda.concurrency", lambda: check_concurrency(account.concurrency, stage))
    findings += _run("iam.minter_role", lambda: check_minter_role(account.roles, key, stage))
    findings += _run("cognito.domain", lambda: check_cognito_domain(account.domains, stage, account.account_id))
    if any(finding.blocks and finding.check.removeprefix("parameters.") in _CHAIN_PARAMETERS for finding in findings):
        findings.append(
            Finding(
                "chain",
                Status.UNCHECKED,
                "the chain is not checked until ChainRpcUrl, ChainId and TokenAddress are acceptable",
                "fix the parameters above",
            )
        )
    else:
        findings += _run("chain", lambda: check_token(account.chain(key), stage, key, min_gas_wei))
    return findings


def _run(check: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    try:
        return run()
    except Unreadable as error:
        return [_unchecked(check, error)]


def _unchecked(check: str, error: Unreadable) -> Finding:
    return Finding(check, Status.UNCHECKED, str(error), "check it by hand, or run preflight with the right to read it")


def report(findings: Sequence[Finding]) -> str:
    """One line per finding, its remedy after an arrow."""
    width = max(len(finding.check) for finding in findings)
    return "\n".join(
        f"{finding.status.value.upper():<9} {finding.check:<{width}}  {finding.message}"
        + (f"  -> {finding.remedy}" if finding.remedy and finding.status is not Status.OK else "")
        for finding in findings
    )


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([asdict(finding) for finding in findings], indent=2)
