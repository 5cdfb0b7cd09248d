"""Minting against a real node: anvil started by LocalChain, with the committed EcoCoin artifact deployed.

The minter runs with its real web3 adapter and signs with a KMS key (moto's, in process, as the local runtime
makes it) granted MINTER_ROLE; only the claim store is in memory, since the chain is what is under test. Every
wallet and claim is new per test, so tests share one chain.
"""

import json
import queue
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from eth_account import Account
from moto import mock_aws
from web3 import HTTPProvider, Web3
from web3.exceptions import TimeExhausted, TransactionNotFound, Web3RPCError
from web3.logs import DISCARD
from web3.utils.address import get_create_address

from ecopulse.chain.claims import Claim, ClaimState
from ecopulse.chain.kms_signer import KmsSigner
from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.outcome import MintOutcome
from ecopulse.chain.ports import ChainUnavailable, NonceTooLow, TransactionReverted
from ecopulse.chain.web3_chain import Signer, Web3Chain
from ecopulse_local.chain import CHAIN_ID, LocalChain
from ecopulse_local.kms import sign_digests_as_kms_does
from ecopulse_local.runtime import free_port
from ecopulse_local.token import roles_of
from tests.support import wait_until
from tests.unit.chain.fakes import MemoryClaimStore

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = json.loads((ROOT / "contracts" / "build" / "EcoCoin.json").read_text())
FAST = MinterSettings(max_batch=50, receipt_timeout=2.0, poll_interval=0.01, max_replacements=3)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with LocalChain(tmp_path_factory.mktemp("anvil") / "state.json", port=free_port("127.0.0.1")) as local:
        yield local


@pytest.fixture(scope="module")
def kms():
    sign_digests_as_kms_does()
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def kms_minter(chain: LocalChain, kms) -> KmsSigner:
    """A new KMS key, granted MINTER_ROLE and gas money on ``chain`` by the token's admin, as `ecopulse local`
    does for the mint function."""
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, kms)
    chain.grant_minter(signer.address)
    chain.fund(signer.address)
    return signer


@pytest.fixture(scope="module")
def minter(chain, kms) -> KmsSigner:
    return kms_minter(chain, kms)


@pytest.fixture(scope="module")
def w3(chain) -> Web3:
    return Web3(HTTPProvider(chain.rpc_url))


@pytest.fixture(scope="module")
def token(chain, w3):
    return w3.eth.contract(address=chain.token_address, abi=ARTIFACT["abi"])


def adapter(chain: LocalChain, signer: Signer) -> Web3Chain:
    return Web3Chain(chain.rpc_url, chain.chain_id, chain.token_address, signer)


def new_claims(count: int, tokens: int = 1) -> list[Claim]:
    return [Claim.new(str(uuid.uuid4()), "lahore", Account.create().address, tokens + index) for index in range(count)]


def recorded_hashes(store: MemoryClaimStore, claim: Claim) -> tuple[str, ...]:
    stored = store.load(claim.tenant, claim.submission_id)
    return stored.tx_hashes if stored else ()


def known_transaction(w3: Web3, tx_hash: str):
    """The node's copy of a transaction; the minter records a hash just before the node hears of it."""
    try:
        return w3.eth.get_transaction(tx_hash)
    except TransactionNotFound:
        return None


def balances(token, claims: list[Claim]) -> list[int]:
    return [token.functions.balanceOf(claim.wallet).call() for claim in claims]


def test_local_chain_runs_the_committed_contract_and_the_kms_key_is_only_a_minter(chain, w3, token, minter):
    assert w3.eth.chain_id == CHAIN_ID
    assert chain.token_address == get_create_address(chain.deployer_address, 0)
    assert w3.eth.get_code(chain.token_address) == Web3.to_bytes(hexstr=ARTIFACT["deployedBytecode"])
    assert "requestsHash" in w3.eth.get_block("latest")  # a Prague header field: the pinned hardfork runs
    assert roles_of(token, chain.deployer_address) == ["DEFAULT_ADMIN_ROLE", "PAUSER_ROLE"]
    assert roles_of(token, minter.address) == ["MINTER_ROLE"]
    assert token.functions.defaultAdmin().call() == chain.deployer_address
    assert w3.eth.get_balance(minter.address) > 0


def test_a_batch_of_20_claims_pays_exact_balances_in_one_transaction(chain, w3, token, minter):
    claims = new_claims(20)
    supply = token.functions.totalSupply().call()

    result = Minter(adapter(chain, minter), MemoryClaimStore(), FAST).mint(claims)

    assert [(claim.state, claim.outcome) for claim in result] == [(ClaimState.CONFIRMED, MintOutcome.MINTED)] * 20
    assert len({claim.mined_in for claim in result}) == 1
    assert balances(token, claims) == [claim.amount for claim in claims]
    assert token.functions.totalSupply().call() == supply + sum(claim.amount for claim in claims)
    assert all(token.functions.claimed(claim.claim_id).call() for claim in claims)
    receipt = w3.eth.get_transaction_receipt(result[0].mined_in)
    assert len(token.events.ClaimMinted().process_receipt(receipt, errors=DISCARD)) == 20


def test_running_the_same_batch_again_pays_nothing_twice(chain, w3, token, minter):
    claims = new_claims(20)
    store = MemoryClaimStore()
    Minter(adapter(chain, minter), store, FAST).mint(claims)
    supply = token.functions.totalSupply().call()
    nonce = w3.eth.get_transaction_count(minter.address)

    again = Minter(adapter(chain, minter), store, FAST).mint(claims)

    assert w3.eth.get_transaction_count(minter.address) == nonce
    assert {claim.outcome for claim in again} == {MintOutcome.MINTED}

    records_lost = Minter(adapter(chain, minter), MemoryClaimStore(), FAST).mint(claims)

    assert w3.eth.get_transaction_count(minter.address) == nonce + 1
    assert [claim.outcome for claim in records_lost] == [MintOutcome.ALREADY_MINTED] * 20
    assert balances(token, claims) == [claim.amount for claim in claims]
    assert token.functions.totalSupply().call() == supply


def test_a_stuck_transaction_is_replaced_at_the_same_nonce_and_mined_once(chain, w3, token, minter):
    claims = new_claims(3)
    store = MemoryClaimStore()
    settings = MinterSettings(receipt_timeout=0.3, poll_interval=0.01, max_replacements=5)
    outcome: list = []
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        worker = threading.Thread(
            target=lambda: outcome.append(Minter(adapter(chain, minter), store, settings).mint(claims))
        )
        worker.start()
        (first,) = wait_until(lambda: recorded_hashes(store, claims[0]), timeout=5, interval=0.005)
        stuck = wait_until(lambda: known_transaction(w3, first), timeout=5, interval=0.005)
        replacement = wait_until(lambda: recorded_hashes(store, claims[0])[1:], timeout=5, interval=0.01)[0]
        wait_until(lambda: known_transaction(w3, replacement), timeout=5, interval=0.005)
        w3.provider.make_request("evm_mine", [])
        worker.join(timeout=10)
    finally:
        w3.provider.make_request("evm_setAutomine", [True])

    (result,) = outcome
    mined = w3.eth.get_transaction(result[0].mined_in)
    assert result[0].mined_in != first
    assert mined.nonce == stuck.nonce == result[0].nonce
    assert mined.maxFeePerGas * 10 >= stuck.maxFeePerGas * 11
    assert mined.maxPriorityFeePerGas * 10 >= stuck.maxPriorityFeePerGas * 11
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction_receipt(first)
    assert {claim.outcome for claim in result} == {MintOutcome.MINTED}
    assert balances(token, claims) == [claim.amount for claim in claims]


def test_concurrent_naive_senders_lose_claims_where_the_single_writer_loses_none(chain, w3, token, minter):
    """Four workers sharing the minter key each read the nonce and send; the barrier lines their reads up
    as concurrent Lambdas do by chance. Then the same claims go through one queue to the Minter."""
    workers, rounds = 4, 5
    naive = new_claims(workers * rounds)
    fees = adapter(chain, minter).suggest_fees()
    barrier = threading.Barrier(workers)
    accepted, rejected = [], []

    def naive_sender(mine: list[Claim]) -> None:
        own = Web3(HTTPProvider(chain.rpc_url))
        contract = own.eth.contract(address=chain.token_address, abi=ARTIFACT["abi"])
        for claim in mine:
            nonce = own.eth.get_transaction_count(minter.address, "pending")
            tx = contract.functions.mintForClaim(claim.claim_id, claim.wallet, claim.amount).build_transaction(
                {
                    "from": minter.address,
                    "nonce": nonce,
                    "gas": 150_000,
                    "maxFeePerGas": fees.max_fee_per_gas,
                    "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
                    "chainId": chain.chain_id,
                }
            )
            raw = minter.sign_transaction(dict(tx)).raw_transaction
            barrier.wait(timeout=10)
            try:
                accepted.append(own.eth.send_raw_transaction(raw))
            except Web3RPCError:
                rejected.append(claim)

    threads = [threading.Thread(target=naive_sender, args=(naive[i::workers],)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stuck = 0
    for tx_hash in accepted:
        try:
            w3.eth.wait_for_transaction_receipt(tx_hash, timeout=3, poll_latency=0.01)
        except TimeExhausted:
            stuck += 1  # a nonce read after a collision can leave a gap: the transaction waits forever

    lost = [claim for claim in naive if not token.functions.claimed(claim.claim_id).call()]
    assert len(rejected) >= 1
    assert len(accepted) + len(rejected) == len(naive)
    assert set(rejected) <= set(lost) and len(lost) == len(rejected) + stuck

    handed_over: queue.Queue[Claim] = queue.Queue()
    single = new_claims(workers * rounds)
    producers = [
        threading.Thread(target=lambda part=single[i::workers]: [handed_over.put(c) for c in part])
        for i in range(workers)
    ]
    for producer in producers:
        producer.start()
    for producer in producers:
        producer.join()
    drained = [handed_over.get_nowait() for _ in range(handed_over.qsize())]

    result = Minter(adapter(chain, minter), MemoryClaimStore(), FAST).mint(drained)

    assert {claim.state for claim in result} == {ClaimState.CONFIRMED}
    assert balances(token, single) == [claim.amount for claim in single]
    print(f"\nnaive senders: {len(rejected)} of {len(naive)} sends rejected; single writer: 0 of {len(single)}")


def test_a_failed_mint_is_retryable_once_the_cause_is_gone(chain, w3, token, minter):
    deployer = Account.from_key(chain.deployer_key)
    admin = w3.eth.contract(address=chain.token_address, abi=ARTIFACT["abi"])

    def as_deployer(call) -> None:
        tx = call.build_transaction({"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address)})
        w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction))

    claims = new_claims(2)
    store = MemoryClaimStore()
    as_deployer(admin.functions.pause())
    try:
        failed = Minter(adapter(chain, minter), store, FAST).mint(claims)
    finally:
        as_deployer(admin.functions.unpause())

    assert [(claim.state, claim.failure) for claim in failed] == [
        (ClaimState.FAILED, "mintForClaims would revert: EnforcedPause()")
    ] * 2
    for claim in failed:
        store.save(claim.reopened())
    assert {claim.outcome for claim in Minter(adapter(chain, minter), store, FAST).mint(claims)} == {MintOutcome.MINTED}
    assert balances(token, claims) == [claim.amount for claim in claims]


def test_the_adapter_reports_node_refusals_as_typed_errors(chain, minter):
    claims = new_claims(1)
    outsider = adapter(chain, Account.create())
    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
        outsider.sign_batch(claims, 0, outsider.suggest_fees())

    paying = adapter(chain, minter)
    Minter(paying, MemoryClaimStore(), FAST).mint(claims)
    with pytest.raises(NonceTooLow):
        paying.send(paying.sign_batch(new_claims(1), 0, paying.suggest_fees(), gas_limit=200_000))

    down = Web3Chain(f"http://127.0.0.1:{free_port('127.0.0.1')}", CHAIN_ID, chain.token_address, Account.create())
    with pytest.raises(ChainUnavailable):
        down.pending_nonce()


def test_a_restart_with_the_same_state_file_keeps_the_contract_and_balances(tmp_path, kms):
    state = tmp_path / "state.json"
    claims = new_claims(3)
    with LocalChain(state, port=free_port("127.0.0.1")) as first:
        signer = kms_minter(first, kms)
        Minter(adapter(first, signer), MemoryClaimStore(), FAST).mint(claims)
        address = first.token_address
        deployer_nonce = Web3(HTTPProvider(first.rpc_url)).eth.get_transaction_count(first.deployer_address)

    with LocalChain(state, port=free_port("127.0.0.1")) as again:
        w3 = Web3(HTTPProvider(again.rpc_url))
        token = w3.eth.contract(address=again.token_address, abi=ARTIFACT["abi"])

        assert again.token_address == address
        assert w3.eth.get_transaction_count(again.deployer_address) == deployer_nonce
        assert balances(token, claims) == [claim.amount for claim in claims]
        retried = Minter(adapter(again, signer), MemoryClaimStore(), FAST).mint(claims)
        assert {claim.outcome for claim in retried} == {MintOutcome.ALREADY_MINTED}
        assert balances(token, claims) == [claim.amount for claim in claims]


def test_the_chain_going_down_mid_mint_loses_nothing_and_pays_once(tmp_path, kms):
    state = tmp_path / "state.json"
    claims = new_claims(5)
    store = MemoryClaimStore()
    settings = MinterSettings(receipt_timeout=0.5, poll_interval=0.01, max_replacements=3)
    errors: list[Exception] = []
    first = LocalChain(state, port=free_port("127.0.0.1"))
    first.start()
    signer = kms_minter(first, kms)
    try:
        Web3(HTTPProvider(first.rpc_url)).provider.make_request("evm_setAutomine", [False])

        def mint() -> None:
            try:
                Minter(adapter(first, signer), store, settings).mint(claims)
            except ChainUnavailable as error:
                errors.append(error)

        worker = threading.Thread(target=mint)
        worker.start()
        wait_until(lambda: recorded_hashes(store, claims[0]), timeout=5, interval=0.005)
    finally:
        first.stop()
    worker.join(timeout=15)

    assert len(errors) == 1
    assert {store.load(claim.tenant, claim.submission_id).state for claim in claims} == {ClaimState.SUBMITTED}
    with LocalChain(state, port=free_port("127.0.0.1")) as back:
        result = Minter(adapter(back, signer), store, settings).mint(claims)
        token = Web3(HTTPProvider(back.rpc_url)).eth.contract(address=back.token_address, abi=ARTIFACT["abi"])

        assert {(claim.state, claim.outcome) for claim in result} == {(ClaimState.CONFIRMED, MintOutcome.MINTED)}
        assert balances(token, claims) == [claim.amount for claim in claims]
        assert result[0].nonce == Web3(HTTPProvider(back.rpc_url)).eth.get_transaction(result[0].mined_in).nonce


def test_fee_suggestion_clamps_the_tip_to_the_network_minimum(chain, w3, minter):
    floor = 30 * 10**9
    clamped = Web3Chain(
        chain.rpc_url, chain.chain_id, chain.token_address, minter, min_priority_fee=floor
    ).suggest_fees()

    assert w3.eth.max_priority_fee < floor
    assert clamped.max_priority_fee_per_gas == floor
    assert clamped.max_fee_per_gas >= floor + w3.eth.get_block("latest")["baseFeePerGas"]


def test_with_finalized_finality_nothing_counts_until_its_block_is_final(chain, w3, minter):
    """As on Polygon: a mined mint is not yet a payout until the finalized block has passed it."""
    w3.provider.make_request("anvil_mine", [hex(64)])  # anvil finalizes 64 blocks behind the head
    (claim,) = new_claims(1)
    (minted,) = Minter(adapter(chain, minter), MemoryClaimStore(), FAST).mint([claim])
    finalized = Web3Chain(chain.rpc_url, chain.chain_id, chain.token_address, minter, finality="finalized")

    assert finalized.receipt(minted.mined_in) is None
    assert not finalized.is_claimed(claim.claim_id)
    assert finalized.final_nonce() <= minted.nonce

    w3.provider.make_request("anvil_mine", [hex(64)])

    receipt = finalized.receipt(minted.mined_in)
    assert (receipt.status, receipt.minted, receipt.skipped) == (1, {claim.claim_id}, frozenset())
    assert finalized.is_claimed(claim.claim_id)
    assert finalized.final_nonce() == minted.nonce + 1
