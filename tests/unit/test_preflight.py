"""Each preflight check against in-memory fakes of its port: a ready account passes, each mistake is named with
its remedy, and what a port cannot read is reported as unchecked rather than passed."""

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest

from ecopulse.preflight import (
    DEFAULT_MIN_GAS_WEI,
    Account,
    ConcurrencyQuota,
    Finding,
    MailAccount,
    MailIdentity,
    MinterKey,
    ParameterRule,
    Stage,
    Status,
    Unreadable,
    check_cognito_domain,
    check_concurrency,
    check_minter_key,
    check_minter_role,
    check_parameters,
    check_sandbox,
    check_sender,
    check_token,
    preflight,
    report,
)
from tests.unit.chain.fakes import FakeChain

ACCOUNT_ID = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/ecopulse-dev-MintFunctionRole-ABC"
MINTER_ADDRESS = "0xFd368F77A6c2164E547FE4e8D20f869B54FC4D27"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ROOT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AccountIamPolicies",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
RULES = (
    ParameterRule("Stage", allowed_values=("local", "dev", "prod"), has_default=True),
    ParameterRule("ChainRpcUrl", allowed_pattern="^https?://.+"),
    ParameterRule("ChainId", min_value=Decimal(1)),
    ParameterRule("TokenAddress", allowed_pattern="^0x[0-9a-fA-F]{40}$"),
    ParameterRule("NotificationSender", has_default=True),
)


def a_stage(**changes) -> Stage:
    stage = Stage(
        name="dev",
        stack_name="ecopulse-dev",
        parameters={
            "Stage": "dev",
            "ChainRpcUrl": "https://rpc-amoy.polygon.technology",
            "ChainId": "31337",
            "TokenAddress": TOKEN,
            "NotificationSender": "no-reply@city.org",
        },
        parameter_rules=RULES,
        sender="no-reply@city.org",
        chain_rpc_url="https://rpc-amoy.polygon.technology",
        chain_id=31337,
        token_address=TOKEN,
        minter_key_alias="alias/ecopulse-dev-minter",
        cognito_domain=f"ecopulse-dev-{ACCOUNT_ID}",
    )
    return replace(stage, **changes)


def with_parameters(**values: str) -> Stage:
    stage = a_stage()
    return replace(stage, parameters={**stage.parameters, **values})


def a_key(**changes) -> MinterKey:
    key = MinterKey(
        key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
        arn=KEY_ARN,
        spec="ECC_SECG_P256K1",
        usage="SIGN_VERIFY",
        enabled=True,
        address=MINTER_ADDRESS,
        policy=ROOT_POLICY,
    )
    return replace(key, **changes)


@dataclass
class FakeMail:
    identities: dict[str, str] = field(default_factory=lambda: {"no-reply@city.org": "SUCCESS"})
    production_access: bool = True
    sending_enabled: bool = True
    unreadable: bool = False
    asked: list[str] = field(default_factory=list)

    def identity(self, name: str) -> MailIdentity | None:
        self.asked.append(name)
        if self.unreadable:
            raise Unreadable("sesv2:GetEmailIdentity: AccessDeniedException")
        status = self.identities.get(name)
        return MailIdentity(name, status) if status else None

    def account(self) -> MailAccount:
        if self.unreadable:
            raise Unreadable("sesv2:GetAccount: the endpoint does not implement it")
        return MailAccount(self.production_access, self.sending_enabled)


@dataclass
class FakeConcurrency:
    limit: int = 1000
    unreserved: int = 1000
    reserved: dict[str, int] = field(default_factory=dict)

    def quota(self) -> ConcurrencyQuota:
        return ConcurrencyQuota(self.limit, self.unreserved)

    def reserved_now(self, logical_ids) -> int:
        return sum(self.reserved.get(logical_id, 0) for logical_id in logical_ids)


@dataclass
class FakeKeys:
    keys: dict[str, MinterKey] = field(default_factory=lambda: {"alias/ecopulse-dev-minter": a_key()})

    def minter_key(self, key_id: str) -> MinterKey | None:
        return self.keys.get(key_id)


@dataclass
class FakeRoles:
    role: str | None = ROLE_ARN
    grants: dict[tuple[str, str], set[str]] = field(
        default_factory=lambda: {(ROLE_ARN, KEY_ARN): {"kms:Sign", "kms:GetPublicKey"}}
    )

    def minter_role(self) -> str | None:
        return self.role

    def allowed(self, role_arn, actions, resource_arn):
        granted = self.grants.get((role_arn, resource_arn), set())
        return {action: action in granted for action in actions}


@dataclass
class FakeDomains:
    owners: dict[str, str] = field(default_factory=dict)

    def owner(self, domain: str) -> str | None:
        return self.owners.get(domain)


def ready_chain() -> FakeChain:
    chain = FakeChain()
    chain.balance = DEFAULT_MIN_GAS_WEI
    return chain


def statuses(findings: list[Finding]) -> dict[str, Status]:
    """Each check's worst status: a check may say several things."""
    order = list(Status)
    worst: dict[str, Status] = {}
    for finding in findings:
        current = worst.get(finding.check)
        worst[finding.check] = max(current, finding.status, key=order.index) if current else finding.status
    return worst


def only(findings: list[Finding]) -> Finding:
    (finding,) = findings
    return finding


# ----- parameters -----


def test_acceptable_parameters_pass():
    assert only(check_parameters(a_stage())).status is Status.OK


def test_a_token_address_placeholder_blocks_the_deploy():
    finding = only(check_parameters(with_parameters(TokenAddress="set-from-ecopulse-chain-deploy")))

    assert (finding.check, finding.status) == ("parameters.TokenAddress", Status.BLOCKING)
    assert "does not match ^0x[0-9a-fA-F]{40}$" in finding.message
    assert "[dev.deploy.parameters]" in finding.remedy


def test_a_missing_parameter_without_default_blocks_but_one_with_a_default_does_not():
    stage = a_stage()
    parameters = {name: value for name, value in stage.parameters.items() if name not in ("ChainId", "Stage")}

    finding = only(check_parameters(replace(stage, parameters=parameters)))

    assert (finding.check, finding.status) == ("parameters.ChainId", Status.BLOCKING)
    assert "no value and no default" in finding.message


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("Stage", "staging", "not one of local, dev, prod"),
        ("ChainId", "0", "below its minimum 1"),
        ("ChainId", "x", "not a number"),
    ],
)
def test_values_outside_allowed_values_or_minimums_block(name, value, problem):
    finding = only(check_parameters(with_parameters(**{name: value})))

    assert finding.status is Status.BLOCKING
    assert problem in finding.message


# ----- SES -----


def test_a_verified_sender_address_passes():
    assert only(check_sender(FakeMail(), a_stage(), stack_deployed=True)).status is Status.OK


def test_a_verified_domain_covers_its_addresses():
    mail = FakeMail(identities={"city.org": "SUCCESS"})

    finding = only(check_sender(mail, a_stage(), stack_deployed=True))

    assert finding.status is Status.OK
    assert "verified city.org" in finding.message


def test_a_sender_whose_link_was_not_clicked_blocks():
    mail = FakeMail(identities={"no-reply@city.org": "PENDING"})

    finding = only(check_sender(mail, a_stage(), stack_deployed=True))

    assert finding.status is Status.BLOCKING
    assert "no-reply@city.org PENDING" in finding.message
    assert "click the link SES sent to no-reply@city.org" in finding.remedy


def test_a_sender_without_identity_before_the_first_deploy_is_advice():
    finding = only(check_sender(FakeMail(identities={}), a_stage(), stack_deployed=False))

    assert finding.status is Status.ADVICE
    assert "the first deploy creates it" in finding.message


def test_a_sender_without_identity_once_deployed_blocks():
    finding = only(check_sender(FakeMail(identities={}), a_stage(), stack_deployed=True))

    assert finding.status is Status.BLOCKING


@pytest.mark.parametrize("sender", ["no-reply@ecopulse.example.org", "ops@example.com", "me@city.test"])
def test_a_sender_at_a_reserved_domain_blocks_as_nobody_can_click_its_link(sender):
    finding = only(check_sender(FakeMail(identities={}), a_stage(sender=sender), stack_deployed=False))

    assert finding.status is Status.BLOCKING
    assert "reserved domain" in finding.message
    assert "NotificationSender" in finding.remedy


def test_an_empty_sender_blocks_a_deployed_stage_but_not_local():
    mail = FakeMail(identities={})

    assert only(check_sender(mail, a_stage(sender=""), stack_deployed=False)).status is Status.BLOCKING
    assert only(check_sender(mail, a_stage(sender="", requires_email=False), stack_deployed=True)).status is Status.OK
    assert mail.asked == []


def test_a_sender_that_is_not_an_address_blocks():
    assert only(check_sender(FakeMail(), a_stage(sender="city.org"), stack_deployed=False)).status is Status.BLOCKING


def test_production_access_passes_and_the_sandbox_is_advice():
    assert only(check_sandbox(FakeMail())).status is Status.OK
    sandbox = only(check_sandbox(FakeMail(production_access=False)))

    assert sandbox.status is Status.ADVICE
    assert "production access" in sandbox.remedy


def test_paused_sending_blocks():
    assert statuses(check_sandbox(FakeMail(sending_enabled=False))) == {"ses.account": Status.BLOCKING}


# ----- Lambda concurrency -----


def test_no_reservation_on_a_large_quota_passes():
    assert only(check_concurrency(FakeConcurrency(), a_stage())).status is Status.OK


def test_no_reservation_on_a_new_accounts_quota_is_advice_to_ask_for_more():
    finding = only(check_concurrency(FakeConcurrency(limit=10, unreserved=10), a_stage()))

    assert finding.status is Status.ADVICE
    assert "for 1000, then set ReserveConcurrency=true" in finding.remedy


def test_a_reservation_the_quota_cannot_hold_blocks_and_names_the_quota_to_ask_for():
    stage = a_stage(reservations={"MintFunction": 1, "VerifyUploadFunction": 20})

    finding = only(check_concurrency(FakeConcurrency(limit=110, unreserved=110), stage))

    assert finding.status is Status.BLOCKING
    assert "reserves 21 executions (MintFunction 1, VerifyUploadFunction 20)" in finding.message
    assert "reserve only 10 more of its 110" in finding.message
    assert "at least 121" in finding.remedy
    assert "ReserveConcurrency=false" in finding.remedy


def test_a_reservation_that_leaves_a_hundred_unreserved_passes():
    stage = a_stage(reservations={"MintFunction": 1, "VerifyUploadFunction": 20})

    assert only(check_concurrency(FakeConcurrency(limit=121, unreserved=121), stage)).status is Status.OK


def test_a_redeploy_counts_what_the_stack_reserves_already():
    stage = a_stage(reservations={"MintFunction": 1, "VerifyUploadFunction": 20})
    deployed = FakeConcurrency(limit=121, unreserved=100, reserved={"MintFunction": 1, "VerifyUploadFunction": 20})

    assert only(check_concurrency(deployed, stage)).status is Status.OK


# ----- the minter key and its role -----


def test_an_enabled_secp256k1_signing_key_under_the_accounts_policy_passes():
    finding = only(check_minter_key(a_key(), a_stage()))

    assert finding.status is Status.OK
    assert MINTER_ADDRESS in finding.message


def test_no_key_before_the_first_deploy_is_advice():
    assert only(check_minter_key(None, a_stage())).status is Status.ADVICE


@pytest.mark.parametrize(
    "changes",
    [
        {"spec": "ECC_NIST_P256", "address": None},
        {"usage": "ENCRYPT_DECRYPT"},
        {"spec": "RSA_2048", "usage": "SIGN_VERIFY", "address": None},
    ],
)
def test_a_key_that_cannot_sign_ethereum_transactions_blocks(changes):
    finding = only(check_minter_key(a_key(**changes), a_stage()))

    assert (finding.check, finding.status) == ("kms.minter_key", Status.BLOCKING)
    assert "cannot sign Ethereum transactions" in finding.message


def test_a_disabled_key_blocks():
    finding = only(check_minter_key(a_key(enabled=False), a_stage()))

    assert finding.status is Status.BLOCKING
    assert "enable-key" in finding.remedy


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
@pytest.mark.parametrize("action", ["kms:Sign", "kms:*", ["kms:GetPublicKey", "kms:Sign"], "*"])
def test_a_policy_letting_anyone_sign_blocks(principal, action):
    public = {"Sid": "Anyone", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    policy = {**ROOT_POLICY, "Statement": [*ROOT_POLICY["Statement"], public]}

    finding = only(check_minter_key(a_key(policy=policy), a_stage()))

    assert (finding.check, finding.status) == ("kms.key_policy", Status.BLOCKING)
    assert "(Anyone)" in finding.message


def test_a_public_statement_under_a_condition_or_without_signing_passes():
    conditioned = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Sign",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT_ID}},
    }
    describe_only = {"Effect": "Allow", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*"}
    policy = {**ROOT_POLICY, "Statement": [*ROOT_POLICY["Statement"], conditioned, describe_only]}

    assert only(check_minter_key(a_key(policy=policy), a_stage())).status is Status.OK


def test_an_unreadable_key_policy_is_unchecked():
    finding = only(check_minter_key(a_key(policy=None), a_stage()))

    assert (finding.check, finding.status) == ("kms.key_policy", Status.UNCHECKED)


def test_a_role_that_may_sign_and_read_the_key_and_nothing_more_passes():
    assert only(check_minter_role(FakeRoles(), a_key(), a_stage())).status is Status.OK


def test_a_role_that_may_not_sign_blocks():
    roles = FakeRoles(grants={(ROLE_ARN, KEY_ARN): {"kms:GetPublicKey"}})

    finding = only(check_minter_role(roles, a_key(), a_stage()))

    assert finding.status is Status.BLOCKING
    assert "may not kms:Sign" in finding.message


def test_a_role_that_may_administer_the_key_is_advice():
    roles = FakeRoles(grants={(ROLE_ARN, KEY_ARN): {"kms:Sign", "kms:GetPublicKey", "kms:ScheduleKeyDeletion"}})

    finding = only(check_minter_role(roles, a_key(), a_stage()))

    assert finding.status is Status.ADVICE
    assert "kms:ScheduleKeyDeletion" in finding.message


def test_the_role_is_checked_after_the_first_deploy():
    assert only(check_minter_role(FakeRoles(), None, a_stage())).status is Status.ADVICE
    assert only(check_minter_role(FakeRoles(role=None), a_key(), a_stage())).status is Status.ADVICE


# ----- Cognito -----


def test_a_free_or_own_cognito_domain_passes():
    stage = a_stage()

    assert only(check_cognito_domain(FakeDomains(), stage, ACCOUNT_ID)).status is Status.OK
    owned = FakeDomains({stage.cognito_domain: ACCOUNT_ID})
    assert "this account's" in only(check_cognito_domain(owned, stage, ACCOUNT_ID)).message


def test_a_cognito_domain_of_another_account_blocks():
    stage = a_stage()

    finding = only(check_cognito_domain(FakeDomains({stage.cognito_domain: "999988887777"}), stage, ACCOUNT_ID))

    assert finding.status is Status.BLOCKING
    assert "999988887777" in finding.message


@pytest.mark.parametrize("domain", ["EcoPulse-dev-1", "my-aws-stack-1", "ecopulse-", "x" * 64])
def test_a_domain_prefix_cognito_refuses_blocks(domain):
    finding = only(check_cognito_domain(FakeDomains(), a_stage(cognito_domain=domain), ACCOUNT_ID))

    assert finding.status is Status.BLOCKING
    assert "stack_name" in finding.remedy


# ----- the chain -----


def test_a_ready_chain_passes_every_read():
    findings = check_token(ready_chain(), a_stage(), a_key(), DEFAULT_MIN_GAS_WEI)

    assert statuses(findings) == {
        "chain.id": Status.OK,
        "chain.token": Status.OK,
        "chain.minter_role": Status.OK,
        "chain.gas": Status.OK,
    }


def test_a_node_on_another_chain_blocks_and_nothing_else_is_read():
    chain = ready_chain()
    chain.network_id = 80002
    chain.has_code = False

    finding = only(check_token(chain, a_stage(), a_key(), DEFAULT_MIN_GAS_WEI))

    assert (finding.check, finding.status) == ("chain.id", Status.BLOCKING)
    assert "serves chain 80002, not ChainId 31337" in finding.message


def test_a_token_address_without_code_blocks():
    chain = ready_chain()
    chain.has_code = False

    findings = check_token(chain, a_stage(), a_key(), DEFAULT_MIN_GAS_WEI)

    assert statuses(findings) == {"chain.id": Status.OK, "chain.token": Status.BLOCKING}
    assert "ecopulse chain deploy" in findings[-1].remedy


def test_a_minter_without_minter_role_blocks_with_the_grant_command():
    chain = ready_chain()
    chain.is_minter = False

    findings = check_token(chain, a_stage(), a_key(), DEFAULT_MIN_GAS_WEI)

    assert statuses(findings)["chain.minter_role"] is Status.BLOCKING
    (role,) = [finding for finding in findings if finding.check == "chain.minter_role"]
    assert "grant-minter" in role.remedy and "--minter-kms-key alias/ecopulse-dev-minter" in role.remedy


def test_a_minter_below_the_gas_threshold_blocks():
    chain = ready_chain()
    chain.balance = DEFAULT_MIN_GAS_WEI - 1

    findings = check_token(chain, a_stage(), a_key(), DEFAULT_MIN_GAS_WEI)

    assert statuses(findings)["chain.gas"] is Status.BLOCKING
    assert f"send {MINTER_ADDRESS}" in findings[-1].remedy


def test_the_minter_is_checked_on_chain_once_its_key_exists():
    findings = check_token(ready_chain(), a_stage(), None, DEFAULT_MIN_GAS_WEI)

    assert statuses(findings) == {"chain.id": Status.OK, "chain.token": Status.OK, "chain.minter": Status.ADVICE}


def test_a_node_that_does_not_answer_blocks():
    chain = ready_chain()
    chain.down = True

    finding = only(check_token(chain, a_stage(), a_key(), DEFAULT_MIN_GAS_WEI))

    assert (finding.check, finding.status) == ("chain.node", Status.BLOCKING)


# ----- all of it -----


def an_account(**changes) -> Account:
    chain = ready_chain()
    account = Account(
        account_id=ACCOUNT_ID,
        mail=FakeMail(),
        concurrency=FakeConcurrency(),
        keys=FakeKeys(),
        roles=FakeRoles(),
        domains=FakeDomains(),
        chain=lambda key: chain,
    )
    return replace(account, **changes)


def test_a_ready_account_has_no_blocking_finding():
    findings = preflight(a_stage(), an_account())

    assert not any(finding.blocks for finding in findings)
    assert set(statuses(findings)) == {
        "parameters",
        "kms.minter_key",
        "ses.sender",
        "ses.account",
        "lambda.concurrency",
        "iam.minter_role",
        "cognito.domain",
        "chain.id",
        "chain.token",
        "chain.minter_role",
        "chain.gas",
    }


def test_before_the_first_deploy_what_the_stack_makes_is_advice_and_nothing_blocks():
    account = an_account(keys=FakeKeys(keys={}), mail=FakeMail(identities={}), roles=FakeRoles(role=None))

    findings = preflight(a_stage(), account)

    assert not any(finding.blocks for finding in findings)
    assert {check for check, status in statuses(findings).items() if status is Status.ADVICE} == {
        "kms.minter_key",
        "ses.sender",
        "iam.minter_role",
        "chain.minter",
    }


def test_a_port_that_cannot_read_is_unchecked_and_the_other_checks_still_run():
    findings = preflight(a_stage(), an_account(mail=FakeMail(unreadable=True)))

    assert statuses(findings)["ses.sender"] is Status.UNCHECKED
    assert statuses(findings)["ses.account"] is Status.UNCHECKED
    assert statuses(findings)["chain.gas"] is Status.OK
    assert not any(finding.blocks for finding in findings)


def test_an_unreadable_key_leaves_its_checks_unchecked():
    class NoKeyAccess:
        def minter_key(self, key_id):
            raise Unreadable("kms:DescribeKey: AccessDeniedException")

    findings = preflight(a_stage(), an_account(keys=NoKeyAccess()))

    assert statuses(findings)["kms.minter_key"] is Status.UNCHECKED
    assert "AccessDeniedException" in findings[1].message


def test_the_chain_is_not_read_until_its_parameters_are_acceptable():
    def no_chain(key):
        raise AssertionError("the chain was read with a placeholder token address")

    findings = preflight(with_parameters(TokenAddress="set-from-ecopulse-chain-deploy"), an_account(chain=no_chain))

    assert statuses(findings)["parameters.TokenAddress"] is Status.BLOCKING
    assert statuses(findings)["chain"] is Status.UNCHECKED


def test_the_report_has_one_line_per_finding_with_its_remedy():
    findings = [
        Finding("ses.sender", Status.BLOCKING, "SES has not verified a@city.org", "click the link"),
        Finding("chain.id", Status.OK, "chain 137", "not shown"),
    ]

    assert report(findings).splitlines() == [
        "BLOCKING  ses.sender  SES has not verified a@city.org  -> click the link",
        "OK        chain.id    chain 137",
    ]
