"""Minting on the local chain: anvil's start time, mints per second and gas per claim, single vs batched.

Batches of 10 are what an SQS FIFO event source delivers at most; 20 and 50 show what larger ones buy.

Every claim pays a never-used wallet, so each mint pays the cold-storage cost a real citizen's first
reward does. The minter signs with a KMS key in moto (in process), as `ecopulse local` does; a Sign call to
AWS KMS adds its network round trip on top.

Then the minter as it pays cities: anvil mining a block every 2 s (as Polygon PoS does), claims of 4 tenants
all approved at once, taken round-robin across the tenants' message groups, in batches of 10 (what one SQS FIFO
delivery holds) and of up to 100 cut to the gas cap: claims paid per second and approval -> paid p50/p95.

Run: .venv/bin/python bench/mint.py [--claims 200] [--starts 5] [--tenant-claims 100]
"""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from eth_account import Account
from moto import mock_aws
from stats import Rows, print_table, spread
from web3 import HTTPProvider, Web3

from ecopulse.chain.claims import Claim, claim_id
from ecopulse.chain.kms_signer import KEY_SPEC, KmsSigner
from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse_local.chain import REPOSITORY_ROOT, LocalChain
from ecopulse_local.kms import sign_digests_as_kms_does
from ecopulse_local.runtime import free_port


class DictClaimStore:
    """Claim state in a dict: the bench measures the chain, not DynamoDB."""

    def __init__(self) -> None:
        self.claims: dict[bytes, Claim] = {}

    def add(self, claim: Claim) -> Claim:
        return self.claims.setdefault(claim.claim_id, claim)

    def load(self, tenant: str, submission_id: str) -> Claim | None:
        return self.claims.get(claim_id(submission_id))

    def save(self, claim: Claim) -> None:
        self.claims[claim.claim_id] = claim


def measure(claims: int = 200, starts: int = 5) -> Rows:
    state_dir = Path(tempfile.mkdtemp(prefix="ecopulse-bench-"))
    answering, ready = [], []
    for run in range(starts):
        started = time.perf_counter()
        chain = LocalChain(state_dir / f"start-{run}.json", port=free_port("127.0.0.1"))
        chain.start()
        ready.append(time.perf_counter() - started)
        answering.append(chain.startup_seconds)
        chain.stop()
    rows = {
        "anvil answering, fresh state (s)": {"p50": statistics.median(answering)},
        "anvil ready with EcoCoin deployed (s)": {"p50": statistics.median(ready)},
    }
    sign_digests_as_kms_does()
    with mock_aws(), LocalChain(state_dir / "bench.json", port=free_port("127.0.0.1")) as chain:
        w3 = Web3(HTTPProvider(chain.rpc_url))
        kms = boto3.client("kms", region_name="us-east-1")
        signer = KmsSigner(kms.create_key(KeySpec=KEY_SPEC, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"], kms)
        chain.grant_minter(signer.address)
        chain.fund(signer.address)
        rows["KMS signature (moto, in process) with v recovered (ms)"] = {"p50": _signing_ms(signer, chain.chain_id)}
        adapter = Web3Chain(chain.rpc_url, chain.chain_id, chain.token_address, signer)
        settings = dict(receipt_timeout=10.0, poll_interval=0.002)
        for size in (1, 10, 20, 50):
            batch = _claims(claims)
            minter = Minter(adapter, DictClaimStore(), MinterSettings(max_batch=size, **settings))
            started = time.perf_counter()
            result = minter.mint(batch)
            elapsed = time.perf_counter() - started
            assert all(claim.outcome for claim in result), "every claim must be confirmed"
            gas = sum(w3.eth.get_transaction_receipt(tx).gasUsed for tx in {c.mined_in for c in result})
            label = "single (batch of 1)" if size == 1 else f"batch of {size}"
            rows[f"mints per second, {label}"] = {"value": len(batch) / elapsed}
            rows[f"gas per claim, {label}"] = {"value": gas / len(batch)}
        rows["gas per claim, mintForClaim (one claim)"] = {"value": _single_mint_gas(chain, w3, signer)}
    return rows


BLOCK_SECONDS = 2
TENANTS = 4
GAS_CAP = 10_000_000


def measure_tenants(claims_per_tenant: int = 100) -> Rows:
    """Claims of several tenants approved at once, paid by the one minter while a block comes every 2 s."""
    state_dir = Path(tempfile.mkdtemp(prefix="ecopulse-bench-"))
    sign_digests_as_kms_does()
    rows: Rows = {}
    with mock_aws(), LocalChain(state_dir / "blocks.json", port=free_port("127.0.0.1")) as chain:
        kms = boto3.client("kms", region_name="us-east-1")
        signer = KmsSigner(kms.create_key(KeySpec=KEY_SPEC, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"], kms)
        chain.grant_minter(signer.address)
        chain.fund(signer.address)
        Web3(HTTPProvider(chain.rpc_url)).provider.make_request("evm_setIntervalMining", [BLOCK_SECONDS])
        adapter = Web3Chain(chain.rpc_url, chain.chain_id, chain.token_address, signer)
        for size in (10, 100):
            groups = {
                tenant: [
                    Claim.new(str(uuid.uuid4()), tenant, Account.create().address, 1) for _ in range(claims_per_tenant)
                ]
                for tenant in (f"city-{n}" for n in range(TENANTS))
            }
            settings = MinterSettings(max_batch=size, receipt_timeout=30.0, poll_interval=0.05, gas_cap=GAS_CAP)
            minter = Minter(adapter, DictClaimStore(), settings)
            approved = time.perf_counter()
            paid_after: list[float] = []
            while any(groups.values()):
                batch = _round_robin(groups, size)
                result = minter.mint(batch)
                assert all(claim.outcome for claim in result), "every claim must be confirmed"
                paid_after += [time.perf_counter() - approved] * len(result)
            elapsed = time.perf_counter() - approved
            label = f"{TENANTS} tenants, 2-s blocks, batches of {size}"
            rows[f"claims paid per second, {label}"] = {"value": len(paid_after) / elapsed}
            rows[f"approval -> paid (s), {label}"] = spread(paid_after)
    return rows


def _round_robin(groups: dict[str, list[Claim]], size: int) -> list[Claim]:
    """Up to ``size`` claims, the oldest of each tenant's group in turn: no tenant waits behind another's."""
    batch: list[Claim] = []
    while len(batch) < size and any(groups.values()):
        for claims in groups.values():
            if claims and len(batch) < size:
                batch.append(claims.pop(0))
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--tenant-claims", type=int, default=100, help="claims per tenant at 2-s blocks")
    args = parser.parse_args()
    print_table(measure(args.claims, args.starts), ("p50", "value"))
    print_table(measure_tenants(args.tenant_claims), ("p50", "p95", "max", "value"))


def _claims(count: int) -> list[Claim]:
    return [Claim.new(str(uuid.uuid4()), "bench", Account.create().address, 1) for _ in range(count)]


def _signing_ms(signer: KmsSigner, chain_id: int, samples: int = 50) -> float:
    transaction = {
        "type": 2,
        "chainId": chain_id,
        "to": Account.create().address,
        "value": 0,
        "gas": 21_000,
        "maxFeePerGas": 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    times = []
    for nonce in range(samples):
        started = time.perf_counter()
        signer.sign_transaction(transaction | {"nonce": nonce})
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _single_mint_gas(chain: LocalChain, w3: Web3, minter: KmsSigner) -> int:
    """The non-batch entry point, for comparison: it reverts on a reused claim instead of skipping it."""
    abi = json.loads((REPOSITORY_ROOT / "contracts" / "build" / "EcoCoin.json").read_text())["abi"]
    token = w3.eth.contract(address=chain.token_address, abi=abi)
    (claim,) = _claims(1)
    tx = token.functions.mintForClaim(claim.claim_id, claim.wallet, claim.amount).build_transaction(
        {"from": minter.address, "nonce": w3.eth.get_transaction_count(minter.address)}
    )
    tx_hash = w3.eth.send_raw_transaction(minter.sign_transaction(dict(tx)).raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.002).gasUsed


if __name__ == "__main__":
    main()
