"""Minting on the local chain: anvil's start time, mints per second and gas per claim, single vs batched.

Batches of 10 are what an SQS FIFO event source delivers at most; 20 and 50 show what larger ones buy.

Every claim pays a never-used wallet, so each mint pays the cold-storage cost a real citizen's first
reward does. The minter signs with a KMS key in moto (in process), as `ecopulse local` does; a Sign call to
AWS KMS adds its network round trip on top. Run: .venv/bin/python bench/mint.py [--claims 200] [--starts 5]
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
from stats import Rows, print_table
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    print_table(measure(args.claims, args.starts), ("p50", "value"))


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
