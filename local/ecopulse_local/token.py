"""Deploying EcoCoin and handing out its roles, on anvil or on a real network: what `ecopulse local` does at
start and `ecopulse chain deploy` does once per network.

Transactions are signed by the caller's key and sent raw, so any JSON-RPC endpoint will do; each one waits for
its receipt and a revert is an error, since a half-configured token is worse than none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eth_account.types import TransactionDictType
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract.contract import Contract, ContractConstructor, ContractFunction
from web3.types import TxReceipt

from ecopulse.chain.web3_chain import Signer

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DAY = 86_400


def load_artifact(root: Path) -> dict[str, Any]:
    """The committed build of contracts/EcoCoin.sol."""
    artifact: dict[str, Any] = json.loads((root / "contracts" / "build" / "EcoCoin.json").read_text())
    return artifact


@dataclass(frozen=True)
class TokenSetUp:
    """Who holds which role, and how much may be minted per period.

    ``admin`` alone grants and revokes roles and sets the cap; handing it over takes ``admin_delay`` seconds
    (a two-step transfer). ``minter`` may be None when the minter key (a KMS key made by the stack) comes later.
    """

    admin: str
    pauser: str
    mint_cap_wei: int
    minter: str | None = None
    admin_delay: int = 2 * DAY
    mint_period: int = DAY

    def constructor_arguments(self) -> list[Any]:
        return [
            Web3.to_checksum_address(self.admin),
            self.admin_delay,
            Web3.to_checksum_address(self.minter or ZERO_ADDRESS),
            Web3.to_checksum_address(self.pauser),
            self.mint_cap_wei,
            self.mint_period,
        ]


def transact(w3: Web3, signer: Signer, call: ContractConstructor | ContractFunction) -> TxReceipt:
    """Builds, signs and sends one transaction and waits for its receipt; raises if it reverted."""
    tx = call.build_transaction({"from": signer.address, "nonce": w3.eth.get_transaction_count(signer.address)})
    # web3 builds a TxParams TypedDict, the signer signs a plain dict of the same keys: neither names the other.
    signed = signer.sign_transaction(cast(TransactionDictType, dict(tx)))
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.01)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.to_0x_hex()} reverted")
    return receipt


def deploy(w3: Web3, deployer: Signer, set_up: TokenSetUp, artifact: dict[str, Any]) -> ChecksumAddress:
    """Deploys EcoCoin with its roles and cap; the deployer keeps no role unless it is named in ``set_up``."""
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = transact(w3, deployer, factory.constructor(*set_up.constructor_arguments()))
    address = receipt["contractAddress"]
    if address is None:
        raise RuntimeError("the deployment's receipt names no contract")
    return address


def token_contract(w3: Web3, address: str, artifact: dict[str, Any]) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact["abi"])


def grant_minter(w3: Web3, admin: Signer, token: Contract, minter: str) -> bool:
    """Gives ``minter`` MINTER_ROLE unless it has it; True when a transaction was sent."""
    role = token.functions.MINTER_ROLE().call()
    if token.functions.hasRole(role, minter).call():
        return False
    transact(w3, admin, token.functions.grantRole(role, minter))
    return True


def roles_of(token: Contract, address: str) -> list[str]:
    """The roles ``address`` holds on the token, by name."""
    names = {
        "DEFAULT_ADMIN_ROLE": token.functions.DEFAULT_ADMIN_ROLE().call(),
        "MINTER_ROLE": token.functions.MINTER_ROLE().call(),
        "PAUSER_ROLE": token.functions.PAUSER_ROLE().call(),
    }
    return [name for name, role in names.items() if token.functions.hasRole(role, address).call()]


def send_value(w3: Web3, sender: Signer, to: str, wei: int) -> TxReceipt:
    """Sends ``wei`` of the chain's coin (gas money for a minter) from ``sender`` to ``to``."""
    tip = w3.eth.max_priority_fee
    base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
    signed = sender.sign_transaction(
        {
            "type": 2,
            "chainId": w3.eth.chain_id,
            "nonce": w3.eth.get_transaction_count(sender.address),
            "to": Web3.to_checksum_address(to),
            "value": wei,
            "gas": 21_000,
            "maxFeePerGas": 2 * base_fee + tip,
            "maxPriorityFeePerGas": tip,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.01)
    if receipt["status"] != 1:
        raise RuntimeError(f"transfer {tx_hash.to_0x_hex()} failed")
    return receipt


def load_registry_artifact(root: Path) -> dict[str, Any]:
    """The committed build of contracts/ImpactRegistry.sol."""
    artifact: dict[str, Any] = json.loads((root / "contracts" / "build" / "ImpactRegistry.json").read_text())
    return artifact


def deploy_registry(
    w3: Web3, deployer: Signer, admin: str, artifact: dict[str, Any], retirer: str | None = None
) -> ChecksumAddress:
    """Deploys the ImpactRegistry with ``admin`` granting roles; ``retirer`` may come later (a stack's KMS key)."""
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    arguments = (Web3.to_checksum_address(admin), Web3.to_checksum_address(retirer or ZERO_ADDRESS))
    address = transact(w3, deployer, factory.constructor(*arguments))["contractAddress"]
    if address is None:
        raise RuntimeError("the deployment's receipt names no contract")
    return address


def grant_retirer(w3: Web3, admin: Signer, registry: Contract, retirer: str) -> bool:
    """Gives ``retirer`` RETIRER_ROLE on the registry unless it has it; True when a transaction was sent."""
    role = registry.functions.RETIRER_ROLE().call()
    if registry.functions.hasRole(role, retirer).call():
        return False
    transact(w3, admin, registry.functions.grantRole(role, retirer))
    return True
