"""ImpactRegistry behaviour, run against the committed artifact on an in-process EVM: a request is retired once,
by the retirer only, and its record is read back as it was written."""

import hashlib
import json
from pathlib import Path

import pytest
from eth.vm.forks import PragueVM
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3
from web3.logs import DISCARD

from tests.contracts.test_ecocoin import REVERTING_TX_GAS, error_data, revert_data, send

ARTIFACT = Path(__file__).resolve().parents[2] / "contracts" / "build" / "ImpactRegistry.json"
REQUEST = "6f1c1a54-2b8e-4c1e-9d2a-3b4c5d6e7f80"


def request_id(request_uuid: str = REQUEST) -> bytes:
    """The documented convention: keccak256 of the request's UUID string."""
    return Web3.keccak(text=request_uuid)


def cleanups(*submission_ids: str) -> bytes:
    return hashlib.sha256("\n".join(sorted(submission_ids)).encode()).digest()


@pytest.fixture(scope="module")
def artifact() -> dict:
    return json.loads(ARTIFACT.read_text())


@pytest.fixture
def w3() -> Web3:
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(vm_configuration=((0, PragueVM),)))))


@pytest.fixture
def admin(w3):
    return w3.eth.accounts[0]


@pytest.fixture
def retirer(w3):
    return w3.eth.accounts[2]


@pytest.fixture
def sponsor(w3):
    return w3.eth.accounts[3]


@pytest.fixture
def registry(w3, artifact, admin, retirer):
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = send(w3, factory.constructor(admin, retirer), admin)
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])


def test_a_retirement_is_recorded_and_announced(w3, registry, retirer, sponsor):
    hashed = cleanups("b", "a")
    receipt = send(w3, registry.functions.retire(sponsor, request_id(), 12, hashed), retirer)
    assert receipt.status == 1
    (event,) = registry.events.Retired().process_receipt(receipt, errors=DISCARD)
    assert (event.args.sponsor, event.args.requestId, event.args.amount, event.args.cleanupsHash) == (
        sponsor, request_id(), 12, hashed,
    )  # fmt: skip
    record = tuple(registry.functions.retirementOf(request_id()).call())
    assert record[:4] == (sponsor, 12, hashed, receipt.blockNumber)


def test_a_request_is_retired_once(w3, registry, retirer, sponsor):
    send(w3, registry.functions.retire(sponsor, request_id(), 12, cleanups("a")), retirer)
    again = registry.encode_abi("retire", args=[sponsor, request_id(), 5, cleanups("c")])
    assert revert_data(w3, {"from": retirer, "to": registry.address, "data": again}) == error_data(
        registry.abi, "AlreadyRetired", request_id()
    )
    fn = registry.functions.retire(sponsor, request_id(), 5, cleanups("c"))
    assert send(w3, fn, retirer, gas=REVERTING_TX_GAS).status == 0
    assert tuple(registry.functions.retirementOf(request_id()).call())[1:3] == (12, cleanups("a"))


def test_only_the_retirer_retires(w3, registry, admin, sponsor):
    role = registry.functions.RETIRER_ROLE().call()
    call = registry.encode_abi("retire", args=[sponsor, request_id(), 1, cleanups("a")])
    assert revert_data(w3, {"from": admin, "to": registry.address, "data": call}) == error_data(
        registry.abi, "AccessControlUnauthorizedAccount", admin, role
    )
    assert tuple(registry.functions.retirementOf(request_id()).call())[3] == 0


def test_nothing_is_retired_for_no_credits_or_no_cleanups(w3, registry, retirer, sponsor):
    for amount, hashed in ((0, cleanups("a")), (1, b"\x00" * 32)):
        call = registry.encode_abi("retire", args=[sponsor, request_id(), amount, hashed])
        assert revert_data(w3, {"from": retirer, "to": registry.address, "data": call}) == error_data(
            registry.abi, "NothingToRetire"
        )


def test_an_unknown_request_reads_as_no_retirement(registry):
    assert tuple(registry.functions.retirementOf(request_id("00000000-0000-4000-8000-000000000000")).call()) == (
        "0x" + "00" * 20, 0, b"\x00" * 32, 0, 0,
    )  # fmt: skip
