"""EcoCoin's roles and mint cap on a real node: each test deploys its own token on a shared anvil, with its own
accounts, so a leaked minter key's reach (one period's cap) and who may do what are checked as the EVM runs
them."""

import json
import uuid

import boto3
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from moto import mock_aws
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError

from ecopulse.chain.claims import Claim, ClaimState
from ecopulse.chain.kms_signer import KmsSigner
from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.outcome import MintOutcome
from ecopulse.chain.ports import MintCapReached
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse_local.chain import LocalChain
from ecopulse_local.cli import main
from ecopulse_local.kms import sign_digests_as_kms_does
from ecopulse_local.runtime import free_port
from ecopulse_local.token import DAY, TokenSetUp, deploy, load_artifact, roles_of, token_contract, transact
from tests.conftest import ROOT
from tests.unit.chain.fakes import MemoryClaimStore

ARTIFACT = load_artifact(ROOT)
ERRORS = {
    keccak(text=f"{entry['name']}({','.join(arg['type'] for arg in entry['inputs'])})")[:4]: entry["name"]
    for entry in ARTIFACT["abi"]
    if entry["type"] == "error"
}
ECO = 10**18
FAST = MinterSettings(receipt_timeout=2.0, poll_interval=0.01)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with LocalChain(tmp_path_factory.mktemp("anvil") / "state.json", port=free_port("127.0.0.1")) as local:
        yield local


@pytest.fixture(scope="module")
def w3(chain) -> Web3:
    return Web3(HTTPProvider(chain.rpc_url))


def funded(chain: LocalChain) -> LocalAccount:
    account: LocalAccount = Account.create()
    chain.fund(account.address, 10 * ECO)
    return account


class Cast:
    """A token of its own with one account per role."""

    def __init__(self, chain: LocalChain, w3: Web3, cap: int = 10 * ECO, admin_delay: int = DAY) -> None:
        self.w3 = w3
        self.admin, self.minter, self.pauser, self.outsider = (funded(chain) for _ in range(4))
        set_up = TokenSetUp(
            admin=self.admin.address,
            minter=self.minter.address,
            pauser=self.pauser.address,
            mint_cap_wei=cap,
            admin_delay=admin_delay,
        )
        self.token = token_contract(w3, deploy(w3, funded(chain), set_up, ARTIFACT), ARTIFACT)
        self.adapter = Web3Chain(chain.rpc_url, chain.chain_id, self.token.address, self.minter)

    def reverts(self, sender: LocalAccount, call) -> str:
        """The name of the custom error ``call`` reverts with when ``sender`` sends it."""
        with pytest.raises(ContractLogicError) as reverted:
            call.call({"from": sender.address})
        data = bytes.fromhex(str(reverted.value.data)[2:])
        return ERRORS[data[:4]]

    def send(self, sender: LocalAccount, call) -> None:
        transact(self.w3, sender, call)


def claims(*tokens: int) -> list[Claim]:
    """New claims paying these whole ECO amounts."""
    return [Claim.new(str(uuid.uuid4()), "lahore", Account.create().address, amount) for amount in tokens]


def pass_time(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


def test_minting_stops_at_the_period_cap_and_the_claims_are_paid_in_the_next_period(chain, w3):
    cast = Cast(chain, w3, cap=10 * ECO)
    store = MemoryClaimStore()
    first, over = claims(6), claims(3, 2)  # whole ECO
    Minter(cast.adapter, store, FAST).mint(first)

    with pytest.raises(MintCapReached, match="MintCapExceeded"):
        cast.adapter.sign_batch(over, 0, cast.adapter.suggest_fees())
    held = Minter(cast.adapter, store, FAST).mint(over)

    assert [claim.state for claim in held] == [ClaimState.PENDING] * 2
    assert cast.token.functions.mintAllowance().call() == 4 * ECO
    assert cast.token.functions.totalSupply().call() == 6 * ECO
    pass_time(w3, DAY)
    assert cast.token.functions.mintAllowance().call() == 10 * ECO
    paid = Minter(cast.adapter, store, FAST).mint(over)
    assert {claim.outcome for claim in paid} == {MintOutcome.MINTED}
    assert cast.token.functions.mintAllowance().call() == 5 * ECO


def test_a_claim_paid_before_does_not_count_towards_the_cap(chain, w3):
    cast = Cast(chain, w3, cap=10 * ECO)
    (claim,) = claims(8)
    Minter(cast.adapter, MemoryClaimStore(), FAST).mint([claim])

    again = Minter(cast.adapter, MemoryClaimStore(), FAST).mint([claim])

    assert [item.outcome for item in again] == [MintOutcome.ALREADY_MINTED]
    assert cast.token.functions.mintAllowance().call() == 2 * ECO


def test_each_role_does_its_own_work_and_nothing_else(chain, w3):
    cast = Cast(chain, w3)
    token = cast.token.functions
    minter_role = token.MINTER_ROLE().call()
    (claim,) = claims(1)
    mint = token.mintForClaims([claim.claim_id], [claim.wallet], [claim.amount])

    assert roles_of(cast.token, cast.admin.address) == ["DEFAULT_ADMIN_ROLE"]
    assert roles_of(cast.token, cast.minter.address) == ["MINTER_ROLE"]
    assert roles_of(cast.token, cast.pauser.address) == ["PAUSER_ROLE"]
    for sender in (cast.admin, cast.pauser, cast.outsider):
        assert cast.reverts(sender, mint) == "AccessControlUnauthorizedAccount"
    for sender in (cast.minter, cast.admin, cast.outsider):
        assert cast.reverts(sender, token.pause()) == "AccessControlUnauthorizedAccount"
    for sender in (cast.minter, cast.pauser, cast.outsider):
        assert cast.reverts(sender, token.grantRole(minter_role, sender.address)) == "AccessControlUnauthorizedAccount"
        assert cast.reverts(sender, token.setMintCap(10**30)) == "AccessControlUnauthorizedAccount"

    cast.send(cast.pauser, token.pause())
    assert cast.reverts(cast.minter, mint) == "EnforcedPause"
    cast.send(cast.pauser, token.unpause())
    cast.send(cast.admin, token.setMintCap(ECO // 2))
    assert cast.reverts(cast.minter, mint) == "MintCapExceeded"
    cast.send(cast.admin, token.revokeRole(minter_role, cast.minter.address))
    assert cast.reverts(cast.minter, mint) == "AccessControlUnauthorizedAccount"


def test_the_admin_changes_hands_only_through_a_transfer_that_waits_the_delay(chain, w3):
    cast = Cast(chain, w3, admin_delay=2 * DAY)
    token = cast.token.functions
    successor = funded(chain)

    assert cast.reverts(cast.admin, token.grantRole(token.DEFAULT_ADMIN_ROLE().call(), successor.address)) == (
        "AccessControlEnforcedDefaultAdminRules"
    )
    cast.send(cast.admin, token.beginDefaultAdminTransfer(successor.address))
    pass_time(w3, DAY)
    assert cast.reverts(successor, token.acceptDefaultAdminTransfer()) == "AccessControlEnforcedDefaultAdminDelay"
    pass_time(w3, DAY + 1)
    cast.send(successor, token.acceptDefaultAdminTransfer())

    assert token.defaultAdmin().call() == successor.address
    assert roles_of(cast.token, cast.admin.address) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [({"pauser": "0x" + "00" * 20}, "ZeroPauser"), ({"mint_period": 0}, "ZeroPeriod")],
)
def test_a_token_without_a_pauser_or_a_period_is_not_deployed(chain, w3, change, error):
    deployer = funded(chain)
    set_up = TokenSetUp(admin=deployer.address, pauser=deployer.address, mint_cap_wei=ECO)
    arguments = TokenSetUp(**{**set_up.__dict__, **change}).constructor_arguments()
    factory = w3.eth.contract(abi=ARTIFACT["abi"], bytecode=ARTIFACT["bytecode"])

    with pytest.raises(ContractLogicError) as refused:
        factory.constructor(*arguments).estimate_gas({"from": deployer.address})

    assert ERRORS[bytes.fromhex(str(refused.value.data)[2:])[:4]] == error


@pytest.fixture
def kms():
    sign_digests_as_kms_does()
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def kms_key(kms) -> str:
    return kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]


def test_chain_deploy_grants_each_role_to_its_holder_and_grant_minter_adds_a_kms_key(
    chain, w3, kms, monkeypatch, capsys
):
    deployer, admin, pauser = funded(chain), funded(chain), funded(chain)
    first_key, second_key = kms_key(kms), kms_key(kms)
    network = ["--rpc-url", chain.rpc_url, "--chain-id", str(chain.chain_id)]
    monkeypatch.setenv("ECOPULSE_DEPLOYER_KEY", deployer.key.to_0x_hex())

    main(["chain", "deploy", *network, "--admin", admin.address, "--pauser", pauser.address, "--mint-cap", "500"]
         + ["--minter-kms-key", first_key])  # fmt: skip
    deployed = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("ECOPULSE_ADMIN_KEY", admin.key.to_0x_hex())
    main(["chain", "grant-minter", *network, "--token", deployed["token_address"], "--minter-kms-key", second_key])
    granted = json.loads(capsys.readouterr().out)

    first, second = KmsSigner(first_key, kms).address, KmsSigner(second_key, kms).address
    assert deployed["roles"] == {
        admin.address: ["DEFAULT_ADMIN_ROLE"],
        pauser.address: ["PAUSER_ROLE"],
        first: ["MINTER_ROLE"],
        deployer.address: [],
    }
    assert (deployed["mint_cap_eco"], deployed["mint_period_seconds"], deployed["admin_delay_seconds"]) == (
        500,
        DAY,
        2 * DAY,
    )
    assert granted["roles"] == {second: ["MINTER_ROLE"]}


def test_chain_deploy_refuses_the_wrong_network_and_a_key_on_the_command_line(chain, monkeypatch):
    admin = funded(chain)
    arguments = ["--admin", admin.address, "--pauser", admin.address, "--mint-cap", "1"]
    monkeypatch.setenv("ECOPULSE_DEPLOYER_KEY", admin.key.to_0x_hex())

    with pytest.raises(SystemExit, match=f"serves chain {chain.chain_id}, not 80002"):
        main(["chain", "deploy", "--rpc-url", chain.rpc_url, "--chain-id", "80002", *arguments])
    monkeypatch.delenv("ECOPULSE_DEPLOYER_KEY")
    with pytest.raises(SystemExit, match="set ECOPULSE_DEPLOYER_KEY"):
        main(["chain", "deploy", "--rpc-url", chain.rpc_url, "--chain-id", str(chain.chain_id), *arguments])
