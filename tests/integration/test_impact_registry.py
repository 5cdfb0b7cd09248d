"""The ImpactRegistry on a real node (anvil): deployed beside EcoCoin at its fixed address, deployed and granted
through `ecopulse chain`, and retired through the adapter the impact function uses, signed by a KMS key: once per
request however many retries or racing approvals send it."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from web3 import Web3

from ecopulse.chain.kms_signer import KmsSigner
from ecopulse.chain.registry import Web3Retirements
from ecopulse.impact import RetirementUnavailable, cleanups_hash
from ecopulse_local.cli import main
from tests.conftest import ROOT
from tests.integration.test_ecocoin import chain, funded, kms, kms_key, w3  # noqa: F401  # shared fixtures

LOCAL_REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


@pytest.fixture
def registry(chain, kms, monkeypatch, capsys):  # noqa: F811
    """A registry of its own, deployed and its retirer (a KMS key) granted with the `ecopulse chain` commands."""
    deployer, admin = funded(chain), funded(chain)
    network = ["--rpc-url", chain.rpc_url, "--chain-id", str(chain.chain_id)]
    monkeypatch.setenv("ECOPULSE_DEPLOYER_KEY", deployer.key.to_0x_hex())
    main(["chain", "deploy-registry", *network, "--admin", admin.address])
    deployed = json.loads(capsys.readouterr().out)
    key = kms_key(kms)
    monkeypatch.setenv("ECOPULSE_ADMIN_KEY", admin.key.to_0x_hex())
    main(["chain", "grant-retirer", *network, "--registry", deployed["registry_address"], "--retirer-kms-key", key])
    granted = json.loads(capsys.readouterr().out)
    assert granted["has_retirer_role"] and deployed["admin"] == admin.address
    signer = KmsSigner(key, kms)
    chain.fund(signer.address, 10**18)
    return deployed["registry_address"], signer


def adapter(chain, address: str, signer) -> Web3Retirements:  # noqa: F811
    return Web3Retirements(chain.rpc_url, chain.chain_id, address, signer, receipt_timeout=10, poll_interval=0.01)


def retired_events(w3, address: str, request_id: str) -> int:  # noqa: F811
    abi = json.loads((ROOT / "contracts" / "build" / "ImpactRegistry.json").read_text())["abi"]
    contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)
    key = Web3.keccak(text=request_id)
    return len(contract.events.Retired().get_logs(from_block=0, argument_filters={"requestId": key}))


def test_the_local_chain_deploys_the_registry_beside_ecocoin(chain, w3):  # noqa: F811
    assert chain.registry_address == LOCAL_REGISTRY and w3.eth.get_code(LOCAL_REGISTRY)


def test_a_request_is_retired_once_and_read_back_on_every_retry(chain, w3, registry):  # noqa: F811
    address, signer = registry
    retirements = adapter(chain, address, signer)
    request_id, hashed = str(uuid.uuid4()), cleanups_hash(["a", "b"])
    assert retirements.record_of(request_id) is None
    first = retirements.retire(request_id, None, 7, hashed)
    assert (first.amount, first.cleanups_hash, first.sponsor) == (7, hashed, "0x" + "00" * 20)
    again = retirements.retire(request_id, None, 9, cleanups_hash(["c"]))
    assert again == first == retirements.record_of(request_id)
    assert retired_events(w3, address, request_id) == 1


def test_approvals_racing_to_retire_one_request_retire_it_once(chain, w3, registry):  # noqa: F811
    address, signer = registry
    request_id, hashed = str(uuid.uuid4()), cleanups_hash(["a"])
    start = Barrier(3)

    def retire(_: int) -> str:
        start.wait()
        try:
            return adapter(chain, address, signer).retire(request_id, None, 3, hashed).tx_hash
        except RetirementUnavailable:
            return "refused"

    with ThreadPoolExecutor(3) as pool:
        answers = set(pool.map(retire, range(3)))
    assert retired_events(w3, address, request_id) == 1
    assert answers - {"refused"} == {adapter(chain, address, signer).record_of(request_id).tx_hash}


def test_a_key_without_the_retirer_role_retires_nothing(chain, w3, registry, kms):  # noqa: F811
    address, _ = registry
    stranger = KmsSigner(kms_key(kms), kms)
    chain.fund(stranger.address, 10**18)
    request_id = str(uuid.uuid4())
    with pytest.raises(RetirementUnavailable):
        adapter(chain, address, stranger).retire(request_id, None, 1, cleanups_hash(["a"]))
    assert retired_events(w3, address, request_id) == 0
