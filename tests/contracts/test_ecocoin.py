"""EcoCoin behaviour, run against the committed artifact on an in-process EVM.

The tester chain runs the fork named by the artifact's pinned evmVersion, so
the bytecode executes under the same opcode and gas rules as on chain.
"""

import json
import uuid
from pathlib import Path

import pytest
from eth.vm.forks import PragueVM
from eth_abi import encode
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3
from web3.logs import DISCARD

ARTIFACT = Path(__file__).resolve().parents[2] / "contracts" / "build" / "EcoCoin.json"
ZERO_ADDRESS = "0x" + "00" * 20
REVERTING_TX_GAS = 500_000
FORKS = {"prague": PragueVM}
ADMIN_DELAY_SECONDS = 2 * 24 * 3600
PERIOD_SECONDS = 24 * 3600
CAP = 10**30


def claim_id(submission_uuid: str) -> bytes:
    """The documented convention: keccak256 of the submission UUID string."""
    return Web3.keccak(text=submission_uuid)


def new_claim() -> bytes:
    return claim_id(str(uuid.uuid4()))


def fixed_claim(index: int) -> bytes:
    """Deterministic ids keep calldata, and so the measured gas, identical across runs."""
    return claim_id(str(uuid.UUID(int=index + 1)))


def fresh_address(index: int) -> str:
    """A never-used holder, so every mint pays the same cold-storage cost."""
    return Web3.to_checksum_address(Web3.keccak(text=f"holder-{index}")[-20:])


@pytest.fixture(scope="module")
def artifact() -> dict:
    return json.loads(ARTIFACT.read_text())


@pytest.fixture
def w3(artifact) -> Web3:
    """Pin the fork instead of trusting the tester's default, which moves between releases."""
    fork = FORKS[artifact["settings"]["evmVersion"]]
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(vm_configuration=((0, fork),)))))


@pytest.fixture
def admin(w3):
    """The default admin, who deploys; minting and pausing belong to other holders."""
    return w3.eth.accounts[0]


@pytest.fixture
def minter(w3):
    return w3.eth.accounts[2]


@pytest.fixture
def pauser(w3):
    return w3.eth.accounts[3]


@pytest.fixture
def outsider(w3):
    return w3.eth.accounts[1]


def constructor_arguments(admin: str, minter: str, pauser: str) -> tuple:
    """(admin, admin transfer delay, minter, pauser, mint cap per period, period)."""
    return admin, ADMIN_DELAY_SECONDS, minter, pauser, CAP, PERIOD_SECONDS


@pytest.fixture
def token(w3, artifact, admin, minter, pauser):
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    deploy = factory.constructor(*constructor_arguments(admin, minter, pauser))
    receipt = w3.eth.wait_for_transaction_receipt(deploy.transact({"from": admin}))
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])


def send(w3, fn, sender, **extra):
    return w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, **extra}))


def error_data(abi: list, name: str, *args) -> bytes:
    """ABI-encoded custom error, as the contract's revert data would carry it."""
    (entry,) = [item for item in abi if item["type"] == "error" and item["name"] == name]
    types = [param["type"] for param in entry["inputs"]]
    return Web3.keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))


def revert_data(w3, tx: dict) -> bytes:
    """Raw revert data; EthereumTesterProvider only reports it as text, so ask the tester."""
    with pytest.raises(TransactionFailed) as failure:
        w3.provider.ethereum_tester.estimate_gas(tx)
    (evm_revert,) = failure.value.args
    return evm_revert.args[0]


def assert_reverts(w3, token, sender, fn_name, args, error, *error_args):
    """The exact custom error comes back, and a mined transaction fails without effect."""
    supply_before = token.functions.totalSupply().call()
    data = token.encode_abi(fn_name, args=args)

    assert revert_data(w3, {"from": sender, "to": token.address, "data": data}) == error_data(
        token.abi, error, *error_args
    )
    fn = token.get_function_by_name(fn_name)(*args)
    assert send(w3, fn, sender, gas=REVERTING_TX_GAS).status == 0
    assert token.functions.totalSupply().call() == supply_before


def minted_events(token, receipt):
    return [
        (event.args.claimId, event.args.to, event.args.amount)
        for event in token.events.ClaimMinted().process_receipt(receipt, errors=DISCARD)
    ]


def skipped_events(token, receipt):
    return [event.args.claimId for event in token.events.ClaimSkipped().process_receipt(receipt, errors=DISCARD)]


def test_chain_runs_the_pinned_fork(w3):
    assert isinstance(w3.provider.ethereum_tester.backend.chain.get_vm(), PragueVM)


def test_metadata_and_roles(token, admin, minter, pauser):
    assert token.functions.name().call() == "EcoCoin"
    assert token.functions.symbol().call() == "ECO"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == 0
    holders = {"DEFAULT_ADMIN_ROLE": admin, "MINTER_ROLE": minter, "PAUSER_ROLE": pauser}
    for role, holder in holders.items():
        role_id = token.get_function_by_name(role)().call()
        held_by = [account for account in (admin, minter, pauser) if token.functions.hasRole(role_id, account).call()]
        assert held_by == [holder], role
    assert token.functions.MINTER_ROLE().call() == Web3.keccak(text="MINTER_ROLE")
    assert not any(item.get("name") == "mint" for item in token.abi)


def test_constructor_rejects_zero_admin(w3, artifact, admin, minter, pauser):
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    arguments = constructor_arguments(ZERO_ADDRESS, minter, pauser)
    deploy = {"from": admin, "data": factory.constructor(*arguments).data_in_transaction}

    assert revert_data(w3, deploy) == error_data(artifact["abi"], "AccessControlInvalidDefaultAdmin", ZERO_ADDRESS)


def test_mint_for_claim_mints_and_emits(w3, token, minter, outsider):
    submission = "0b9f4c2e-7a1d-4e3b-9c55-2f0e6d8a1b47"
    claim = claim_id(submission)

    receipt = send(w3, token.functions.mintForClaim(claim, outsider, 5 * 10**18), minter)

    assert receipt.status == 1
    assert token.functions.balanceOf(outsider).call() == 5 * 10**18
    assert token.functions.totalSupply().call() == 5 * 10**18
    assert token.functions.claimed(claim).call()
    assert minted_events(token, receipt) == [(claim, outsider, 5 * 10**18)]
    (transfer,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert (transfer.args["from"], transfer.args.to, transfer.args.value) == (
        ZERO_ADDRESS,
        outsider,
        5 * 10**18,
    )


def test_reused_claim_reverts(w3, token, minter, outsider):
    claim = new_claim()
    send(w3, token.functions.mintForClaim(claim, outsider, 7), minter)

    assert_reverts(w3, token, minter, "mintForClaim", [claim, outsider, 7], "ClaimAlreadyMinted", claim)
    assert token.functions.balanceOf(outsider).call() == 7


def test_batch_skips_claimed_ids_and_mints_the_rest(w3, token, minter):
    holders = [fresh_address(i) for i in range(4)]
    claims = [new_claim() for _ in holders]
    amounts = [1, 20, 300, 4000]
    send(w3, token.functions.mintForClaim(claims[1], holders[1], amounts[1]), minter)

    batch = token.functions.mintForClaims(claims, holders, amounts)
    assert batch.call({"from": minter}) == 3
    receipt = send(w3, batch, minter)

    assert receipt.status == 1
    assert [token.functions.balanceOf(h).call() for h in holders] == amounts
    assert token.functions.totalSupply().call() == sum(amounts)
    assert skipped_events(token, receipt) == [claims[1]]
    assert minted_events(token, receipt) == [(claims[i], holders[i], amounts[i]) for i in (0, 2, 3)]


def test_retried_batch_is_harmless(w3, token, minter):
    holders = [fresh_address(i) for i in range(3)]
    claims = [new_claim() for _ in holders]
    amounts = [10, 20, 30]
    send(w3, token.functions.mintForClaims(claims, holders, amounts), minter)

    retry = send(w3, token.functions.mintForClaims(claims, holders, amounts), minter)

    assert retry.status == 1
    assert [token.functions.balanceOf(h).call() for h in holders] == amounts
    assert minted_events(token, retry) == []
    assert skipped_events(token, retry) == claims


def test_duplicate_id_within_batch_pays_once(w3, token, minter, outsider):
    claim = new_claim()

    receipt = send(w3, token.functions.mintForClaims([claim, claim], [outsider, outsider], [9, 9]), minter)

    assert token.functions.balanceOf(outsider).call() == 9
    assert skipped_events(token, receipt) == [claim]


def test_batch_length_mismatch_reverts(w3, token, minter, outsider):
    claims = [new_claim(), new_claim()]

    assert_reverts(w3, token, minter, "mintForClaims", [claims, [outsider], [1, 2]], "LengthMismatch", 2, 1, 2)
    assert_reverts(w3, token, minter, "mintForClaims", [claims, [outsider] * 2, [1]], "LengthMismatch", 2, 2, 1)
    assert not token.functions.claimed(claims[0]).call()


def test_non_minter_cannot_mint(w3, token, outsider):
    minter_role = token.functions.MINTER_ROLE().call()
    claim = new_claim()

    assert_reverts(
        w3,
        token,
        outsider,
        "mintForClaim",
        [claim, outsider, 1],
        "AccessControlUnauthorizedAccount",
        outsider,
        minter_role,
    )
    assert_reverts(
        w3,
        token,
        outsider,
        "mintForClaims",
        [[claim], [outsider], [1]],
        "AccessControlUnauthorizedAccount",
        outsider,
        minter_role,
    )
    assert not token.functions.claimed(claim).call()


def test_paused_contract_refuses_mints_until_unpaused(w3, token, minter, pauser, outsider):
    pauser_role = token.functions.PAUSER_ROLE().call()
    assert_reverts(w3, token, outsider, "pause", [], "AccessControlUnauthorizedAccount", outsider, pauser_role)
    send(w3, token.functions.mintForClaim(new_claim(), outsider, 3), minter)
    send(w3, token.functions.pause(), pauser)
    claim = new_claim()

    assert token.functions.paused().call()
    assert_reverts(w3, token, minter, "mintForClaim", [claim, outsider, 1], "EnforcedPause")
    assert_reverts(w3, token, minter, "mintForClaims", [[claim], [outsider], [1]], "EnforcedPause")
    assert send(w3, token.functions.transfer(minter, 1), outsider).status == 1

    send(w3, token.functions.unpause(), pauser)
    assert send(w3, token.functions.mintForClaim(claim, outsider, 1), minter).status == 1
    assert token.functions.balanceOf(outsider).call() == 3


def test_batch_is_cheaper_per_claim_than_single_mints(w3, token, minter):
    """Batching spreads the 21k base transaction cost over every claim in it."""
    send(w3, token.functions.mintForClaim(fixed_claim(-1), fresh_address(-1), 1), minter)

    single = send(w3, token.functions.mintForClaim(fixed_claim(0), fresh_address(0), 10**18), minter).gasUsed
    size = 20
    holders = [fresh_address(i) for i in range(1, size + 1)]
    batch = send(
        w3,
        token.functions.mintForClaims([fixed_claim(i) for i in range(1, size + 1)], holders, [10**18] * size),
        minter,
    ).gasUsed
    per_claim = batch / size

    print(f"\nEcoCoin gas: single mintForClaim {single}, batch of {size} {batch} ({per_claim:.0f} per claim)")
    assert per_claim < single
