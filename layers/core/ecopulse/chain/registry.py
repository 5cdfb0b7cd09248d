"""Retirements of impact credits on the ImpactRegistry contract, over JSON-RPC with web3.py: the ``Retirements``
port of ``ecopulse.impact``.

A retirement is one ``retire`` transaction signed by the retirer's key (a KMS key of its own: its nonces never
race the minter's) and sent raw. The contract keeps one retirement per request id, so a retry, whether the first
transaction was mined or not, never retires twice: the record is read first, and a transaction that loses to an
earlier one reverts with ``AlreadyRetired`` and is read back instead.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from eth_typing import HexStr
from eth_utils import keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    TransactionNotFound,
    Web3RPCError,
)
from web3.middleware import ExtraDataToPOAMiddleware

from ecopulse.chain.web3_chain import Finality, Signer
from ecopulse.impact import Retirement, RetirementUnavailable

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_UNAVAILABLE = (requests.ConnectionError, requests.Timeout, ProviderConnectionError, RequestTimedOut, TooManyRequests)
REGISTRY_ABI: list[dict[str, Any]] = [
    {
        "inputs": [
            {"internalType": "address", "name": "account", "type": "address"},
            {"internalType": "bytes32", "name": "neededRole", "type": "bytes32"},
        ],
        "name": "AccessControlUnauthorizedAccount",
        "type": "error",
    },
    {
        "inputs": [{"internalType": "bytes32", "name": "requestId", "type": "bytes32"}],
        "name": "AlreadyRetired",
        "type": "error",
    },
    {"inputs": [], "name": "NothingToRetire", "type": "error"},
    {
        "anonymous": False,
        "inputs": [
            {"indexed": True, "internalType": "address", "name": "sponsor", "type": "address"},
            {"indexed": True, "internalType": "bytes32", "name": "requestId", "type": "bytes32"},
            {"indexed": False, "internalType": "uint256", "name": "amount", "type": "uint256"},
            {"indexed": False, "internalType": "bytes32", "name": "cleanupsHash", "type": "bytes32"},
        ],
        "name": "Retired",
        "type": "event",
    },
    {
        "inputs": [],
        "name": "RETIRER_ROLE",
        "outputs": [{"internalType": "bytes32", "name": "", "type": "bytes32"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [
            {"internalType": "bytes32", "name": "role", "type": "bytes32"},
            {"internalType": "address", "name": "account", "type": "address"},
        ],
        "name": "hasRole",
        "outputs": [{"internalType": "bool", "name": "", "type": "bool"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [
            {"internalType": "address", "name": "sponsor", "type": "address"},
            {"internalType": "bytes32", "name": "requestId", "type": "bytes32"},
            {"internalType": "uint256", "name": "amount", "type": "uint256"},
            {"internalType": "bytes32", "name": "cleanupsHash", "type": "bytes32"},
        ],
        "name": "retire",
        "outputs": [],
        "stateMutability": "nonpayable",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "bytes32", "name": "requestId", "type": "bytes32"}],
        "name": "retirementOf",
        "outputs": [
            {
                "components": [
                    {"internalType": "address", "name": "sponsor", "type": "address"},
                    {"internalType": "uint256", "name": "amount", "type": "uint256"},
                    {"internalType": "bytes32", "name": "cleanupsHash", "type": "bytes32"},
                    {"internalType": "uint64", "name": "blockNumber", "type": "uint64"},
                    {"internalType": "uint64", "name": "timestamp", "type": "uint64"},
                ],
                "internalType": "struct ImpactRegistry.Retirement",
                "name": "",
                "type": "tuple",
            }
        ],
        "stateMutability": "view",
        "type": "function",
    },
]
"""The part of ImpactRegistry's ABI the adapter calls (tests/unit/chain/test_abi.py checks it against the build)."""


class Web3Retirements:
    """The ``Retirements`` port for one registry and one retirer key."""

    def __init__(
        self,
        rpc_url: str,
        chain_id: int,
        registry_address: str,
        signer: Signer,
        *,
        finality: Finality = "latest",
        min_priority_fee: int = 0,
        receipt_timeout: float = 60.0,
        poll_interval: float = 0.5,
    ) -> None:
        self._w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        self._w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        self._registry = self._w3.eth.contract(address=to_checksum_address(registry_address), abi=REGISTRY_ABI)
        self._signer = signer
        self._chain_id = chain_id
        self._finality = finality
        self._min_priority_fee = min_priority_fee
        self._receipt_timeout = receipt_timeout
        self._poll_interval = poll_interval

    def record_of(self, request_id: str) -> Retirement | None:
        key = keccak(text=request_id)
        with _rpc():
            sponsor, amount, hashed, block_number, timestamp = self._registry.functions.retirementOf(key).call(
                block_identifier=self._finality
            )
            if block_number == 0:
                return None
            (event,) = self._registry.events.Retired().get_logs(
                from_block=block_number, to_block=block_number, argument_filters={"requestId": key}
            )
        return Retirement(
            request_id=request_id,
            sponsor=sponsor,
            amount=int(amount),
            cleanups_hash="0x" + bytes(hashed).hex(),
            tx_hash=event["transactionHash"].to_0x_hex(),
            block_number=int(block_number),
            retired_at=datetime.fromtimestamp(int(timestamp), UTC),
        )

    def retire(self, request_id: str, sponsor: str | None, amount: int, cleanups_hash: str) -> Retirement:
        existing = self.record_of(request_id)
        if existing is not None:
            return existing
        call = self._registry.functions.retire(
            to_checksum_address(sponsor or ZERO_ADDRESS),
            keccak(text=request_id),
            amount,
            bytes.fromhex(cleanups_hash[2:]),
        )
        refusal = None
        try:
            with _rpc():
                gas = call.estimate_gas({"from": self._signer.address})
                base_fee = self._w3.eth.get_block("latest")["baseFeePerGas"]
                tip = max(self._w3.eth.max_priority_fee, self._min_priority_fee)
                signed = self._signer.sign_transaction(
                    {
                        "type": 2,
                        "chainId": self._chain_id,
                        "nonce": self._w3.eth.get_transaction_count(self._signer.address, "pending"),
                        "to": self._registry.address,
                        "value": 0,
                        "data": self._registry.encode_abi("retire", args=call.args),
                        "gas": gas * 120 // 100,
                        "maxFeePerGas": 2 * base_fee + tip,
                        "maxPriorityFeePerGas": tip,
                    }
                )
                self._w3.eth.send_raw_transaction(signed.raw_transaction)
                self._wait_for(signed.hash.to_0x_hex())
        except ContractLogicError as error:
            # Another retirement under this id came first (AlreadyRetired): it is the one to read back. Any other
            # revert (the key lost RETIRER_ROLE) leaves nothing to read, and is named in the refusal.
            refusal = error
        retired = self.record_of(request_id)
        if retired is None:
            raise RetirementUnavailable(f"request {request_id} is not retired on chain: {refusal or 'no receipt yet'}")
        return retired

    def _wait_for(self, tx_hash: str) -> None:
        deadline = time.monotonic() + self._receipt_timeout
        while time.monotonic() < deadline:
            try:
                self._w3.eth.get_transaction_receipt(HexStr(tx_hash))
                return
            except TransactionNotFound:
                time.sleep(self._poll_interval)
        raise TimeExhausted(f"no receipt for {tx_hash} within {self._receipt_timeout} s")


@contextmanager
def _rpc() -> Iterator[None]:
    """A node out of reach, refusing or slow is ``RetirementUnavailable``: the request stays approved and the
    admin's next approval tries again."""
    try:
        yield
    except (*_UNAVAILABLE, Web3RPCError, TimeExhausted) as error:
        raise RetirementUnavailable(str(error)) from error
    except requests.HTTPError as error:
        raise RetirementUnavailable(str(error)) from error
