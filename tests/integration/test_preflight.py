"""`ecopulse preflight` against the running local system (moto and anvil), as an operator runs it: the local
stage as `ecopulse local` deployed it passes, and each broken set-up is named, with a non-zero exit.

Broken keys are made under stack names of their own (preflight finds the minter key by the stack's alias), so the
running system's own key, token and sender stay as they are. moto 5.2 has no SES v2 GetAccount, Lambda
GetAccountSettings or IAM SimulatePrincipalPolicy, and the runtime makes no CloudFormation stack: those checks
are reported unchecked or for later here, and their rules are tested in tests/unit/test_preflight.py.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from ecopulse.chain.kms_signer import KmsSigner
from ecopulse_local.chain import DEPLOYER, dev_account_key
from ecopulse_local.token import grant_minter, load_artifact, send_value, token_contract

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
GAS = 10**18


def preflight(system, *options: str, overrides: str = "", json_output: bool = True) -> subprocess.CompletedProcess:
    chain = system.described["chain"]
    return subprocess.run(
        [
            sys.executable, "-m", "ecopulse_local.cli", "preflight", "--config-env", "local",
            "--endpoint-url", system.aws, "--region", "us-east-1",
            "--parameter-overrides", f"ChainRpcUrl={chain['rpc_url']} {overrides}",
            *(["--json"] if json_output else []), *options,
        ],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"},
    )  # fmt: skip


def findings(completed: subprocess.CompletedProcess) -> dict[str, str]:
    """Each check's worst status."""
    order = ["ok", "advice", "unchecked", "blocking"]
    worst: dict[str, str] = {}
    for finding in json.loads(completed.stdout):
        worst[finding["check"]] = max(worst.get(finding["check"], "ok"), finding["status"], key=order.index)
    return worst


def a_stack_with_a_minter_key(system, key_spec: str = "ECC_SECG_P256K1") -> tuple[str, str]:
    """A stack name whose alias names a new KMS key, as a deploy of that stack would leave it: its name and key."""
    stack_name = f"preflight-{uuid.uuid4().hex[:8]}"
    kms = system.client("kms")
    key_id = kms.create_key(KeySpec=key_spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/{stack_name}-minter", TargetKeyId=key_id)
    return stack_name, key_id


def minter_address(system, key_id: str) -> str:
    return KmsSigner(key_id, system.client("kms")).address


class TokenAdmin:
    """The local token's admin (anvil's account 0, which deployed it), granting and funding as an operator does."""

    def __init__(self, system) -> None:
        chain = system.described["chain"]
        self.w3 = Web3(HTTPProvider(chain["rpc_url"]))
        self.admin = self.w3.eth.account.from_key(dev_account_key(DEPLOYER))
        self.token = token_contract(self.w3, chain["token_address"], load_artifact(ROOT))

    def grant(self, address: str) -> None:
        assert grant_minter(self.w3, self.admin, self.token, address)

    def fund(self, address: str) -> None:
        assert send_value(self.w3, self.admin, address, GAS)["status"] == 1


@pytest.fixture(scope="module")
def token_admin(local_system) -> TokenAdmin:
    return TokenAdmin(local_system)


def test_the_local_stage_as_deployed_passes(local_system):
    completed = preflight(local_system)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert findings(completed) == {
        "parameters": "ok",
        "kms.minter_key": "ok",
        "ses.sender": "ok",
        "ses.account": "unchecked",
        "lambda.concurrency": "unchecked",
        "iam.minter_role": "advice",
        "cognito.domain": "ok",
        "chain.id": "ok",
        "chain.token": "ok",
        "chain.minter_role": "ok",
        "chain.gas": "ok",
    }
    assert local_system.described["chain"]["minter_address"] in completed.stdout


def test_before_the_first_deploy_what_the_stack_makes_is_left_for_later_and_nothing_blocks(local_system):
    completed = preflight(local_system, "--stack-name", f"fresh-{uuid.uuid4().hex[:8]}")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert findings(completed)["kms.minter_key"] == "advice"
    assert findings(completed)["chain.minter"] == "advice"


def test_an_unverified_sender_blocks_with_its_remedy_on_its_line(local_system):
    completed = preflight(local_system, overrides="NotificationSender=alerts@unverified-city.org", json_output=False)

    assert completed.returncode == 1
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("BLOCKING")]
    assert "ses.sender" in line and "SES has no identity for alerts@unverified-city.org" in line
    assert " -> deploy again so the stack's SenderIdentity exists, then click the link SES sends" in line


def test_a_wrong_chain_id_blocks(local_system):
    completed = preflight(local_system, overrides="ChainId=80002")

    assert completed.returncode == 1
    assert findings(completed)["chain.id"] == "blocking"
    assert "serves chain 31337, not ChainId 80002" in completed.stdout
    assert "chain.token" not in findings(completed)


def test_a_key_without_minter_role_blocks(local_system, token_admin):
    stack_name, key_id = a_stack_with_a_minter_key(local_system)
    token_admin.fund(minter_address(local_system, key_id))

    completed = preflight(local_system, "--stack-name", stack_name)

    assert completed.returncode == 1
    assert findings(completed)["chain.minter_role"] == "blocking"
    assert findings(completed)["chain.gas"] == "ok"
    assert f"--minter-kms-key alias/{stack_name}-minter" in completed.stdout


def test_an_unfunded_minter_blocks(local_system, token_admin):
    stack_name, key_id = a_stack_with_a_minter_key(local_system)
    token_admin.grant(minter_address(local_system, key_id))

    completed = preflight(local_system, "--stack-name", stack_name)

    assert completed.returncode == 1
    assert findings(completed)["chain.minter_role"] == "ok"
    assert findings(completed)["chain.gas"] == "blocking"


def test_a_minter_funded_below_the_threshold_blocks_until_the_threshold_is_lowered(local_system, token_admin):
    stack_name, key_id = a_stack_with_a_minter_key(local_system)
    address = minter_address(local_system, key_id)
    token_admin.grant(address)
    token_admin.fund(address)

    assert preflight(local_system, "--stack-name", stack_name, "--min-gas-balance", "2").returncode == 1
    assert preflight(local_system, "--stack-name", stack_name, "--min-gas-balance", "1").returncode == 0


def test_a_key_on_another_curve_blocks(local_system):
    stack_name, _ = a_stack_with_a_minter_key(local_system, key_spec="ECC_NIST_P256")

    completed = preflight(local_system, "--stack-name", stack_name)

    assert completed.returncode == 1
    assert findings(completed)["kms.minter_key"] == "blocking"
    assert "cannot sign Ethereum transactions" in completed.stdout
