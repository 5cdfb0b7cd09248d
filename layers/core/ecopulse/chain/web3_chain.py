"""EcoCoin over JSON-RPC with web3.py: the same signed raw transactions against anvil and Polygon.

The node never holds the key: transactions are signed by a ``Signer`` (in the mint function, a KMS key that
never leaves KMS: ``ecopulse.chain.kms_signer``) and sent with ``eth_sendRawTransaction``, which every public
RPC accepts. RPC failures come out as the typed errors of
``ecopulse.chain.ports`` so the minter can tell "try again later" from "this will never work".
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import requests
from eth_abi import decode
from eth_account.datastructures import SignedTransaction
from eth_typing import ChecksumAddress, HexStr
from eth_utils import keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    RequestTimedOut,
    TooManyRequests,
    TransactionIndexingInProgress,
    TransactionNotFound,
    Web3RPCError,
)
from web3.logs import DISCARD
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.rpc.utils import ExceptionRetryConfiguration

from ecopulse.chain.abi import ECOCOIN_ABI
from ecopulse.chain.claims import Claim, Fees
from ecopulse.chain.ports import (
    ChainError,
    ChainUnavailable,
    MintCapReached,
    NonceTooLow,
    Receipt,
    SignedBatch,
    TransactionRejected,
    TransactionReverted,
)

Finality = Literal["latest", "safe", "finalized"]
_UNAVAILABLE = (
    requests.ConnectionError,
    requests.Timeout,
    ProviderConnectionError,
    RequestTimedOut,
    TooManyRequests,
)
_ALREADY_KNOWN = ("already known", "already imported")


class Signer(Protocol):
    """One key that signs typed transactions: a KmsSigner, or an eth-account LocalAccount in tests and tools."""

    @property
    def address(self) -> ChecksumAddress: ...

    def sign_transaction(self, transaction: dict[str, Any]) -> SignedTransaction: ...


class Web3Chain:
    """The ``Chain`` port for one minter key and one EcoCoin contract.

    ``finality`` is the block tag a receipt, a nonce or a ``claimed`` slot must have reached to count:
    ``latest`` on anvil, which mines instantly, ``finalized`` on Polygon, where recent blocks can reorg.
    ``min_priority_fee`` is the network's floor for the tip (Polygon PoS refuses lower ones).
    """

    def __init__(
        self,
        rpc_url: str,
        chain_id: int,
        token_address: str,
        signer: Signer,
        *,
        finality: Finality = "latest",
        min_priority_fee: int = 0,
        gas_headroom_percent: int = 20,
        request_timeout: float = 10.0,
        attempts: int = 3,
    ) -> None:
        provider = HTTPProvider(
            rpc_url,
            request_kwargs={"timeout": request_timeout},
            exception_retry_configuration=ExceptionRetryConfiguration(
                errors=(requests.ConnectionError, requests.Timeout), retries=attempts, backoff_factor=0.1
            ),
        )
        self._w3 = Web3(provider)
        # Polygon's blocks carry more extraData than Ethereum's; harmless elsewhere.
        self._w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        self._signer = signer
        self._token = self._w3.eth.contract(address=to_checksum_address(token_address), abi=ECOCOIN_ABI)
        self._chain_id = chain_id
        self._finality = finality
        self._min_priority_fee = min_priority_fee
        self._gas_headroom_percent = gas_headroom_percent
        self._errors = {
            keccak(text=f"{entry['name']}({','.join(arg['type'] for arg in entry['inputs'])})")[:4]: entry
            for entry in ECOCOIN_ABI
            if entry["type"] == "error"
        }

    @property
    def address(self) -> ChecksumAddress:
        return self._signer.address

    def chain_id(self) -> int:
        with _rpc():
            return self._w3.eth.chain_id

    def token_deployed(self) -> bool:
        with _rpc():
            return bool(self._w3.eth.get_code(self._token.address))

    def signer_can_mint(self) -> bool:
        with _rpc():
            role = self._token.functions.MINTER_ROLE().call()
            return bool(self._token.functions.hasRole(role, self.address).call())

    def gas_balance(self) -> int:
        with _rpc():
            return self._w3.eth.get_balance(self.address)

    def pending_nonce(self) -> int:
        with _rpc():
            return self._w3.eth.get_transaction_count(self.address, "pending")

    def final_nonce(self) -> int:
        with _rpc():
            return self._w3.eth.get_transaction_count(self.address, self._finality)

    def suggest_fees(self) -> Fees:
        """Twice the base fee plus the tip: room for six full blocks of base-fee rises before it is stuck."""
        with _rpc():
            base_fee = self._w3.eth.get_block("latest")["baseFeePerGas"]
            tip = max(self._w3.eth.max_priority_fee, self._min_priority_fee)
        return Fees(max_fee_per_gas=2 * base_fee + tip, max_priority_fee_per_gas=tip)

    def sign_batch(self, claims: Sequence[Claim], nonce: int, fees: Fees, gas_limit: int | None = None) -> SignedBatch:
        args = [
            [claim.claim_id for claim in claims],
            [claim.wallet for claim in claims],
            [claim.amount for claim in claims],
        ]
        if gas_limit is None:
            estimate = self._estimate(args)
            gas_limit = estimate * (100 + self._gas_headroom_percent) // 100
        signed = self._signer.sign_transaction(
            {
                "type": 2,
                "chainId": self._chain_id,
                "nonce": nonce,
                "to": self._token.address,
                "value": 0,
                "data": self._token.encode_abi("mintForClaims", args=args),
                "gas": gas_limit,
                "maxFeePerGas": fees.max_fee_per_gas,
                "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
            }
        )
        return SignedBatch(
            tx_hash=signed.hash.to_0x_hex(),
            nonce=nonce,
            fees=fees,
            gas_limit=gas_limit,
            raw=bytes(signed.raw_transaction),
        )

    def send(self, batch: SignedBatch) -> None:
        try:
            with _rpc():
                self._w3.eth.send_raw_transaction(batch.raw)
        except Web3RPCError as error:
            message = _rpc_message(error)
            if any(phrase in message.lower() for phrase in _ALREADY_KNOWN):
                return
            if "nonce too low" in message.lower():
                raise NonceTooLow(f"nonce {batch.nonce}: {message}") from error
            raise TransactionRejected(f"transaction {batch.tx_hash}: {message}") from error

    def receipt(self, tx_hash: str) -> Receipt | None:
        with _rpc():
            try:
                mined = self._w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except (TransactionNotFound, TransactionIndexingInProgress):
                return None
            if self._finality != "latest" and self._w3.eth.get_block(self._finality)["number"] < mined["blockNumber"]:
                return None
        ours = {"logs": [log for log in mined["logs"] if log["address"] == self._token.address]}
        return Receipt(
            tx_hash=mined["transactionHash"].to_0x_hex(),
            status=mined["status"],
            block_number=mined["blockNumber"],
            gas_used=mined["gasUsed"],
            minted=frozenset(
                bytes(event.args.claimId)
                for event in self._token.events.ClaimMinted().process_receipt(ours, errors=DISCARD)
            ),
            skipped=frozenset(
                bytes(event.args.claimId)
                for event in self._token.events.ClaimSkipped().process_receipt(ours, errors=DISCARD)
            ),
        )

    def is_claimed(self, claim_id: bytes) -> bool:
        with _rpc():
            return bool(self._token.functions.claimed(claim_id).call(block_identifier=self._finality))

    def _estimate(self, args: list[Any]) -> int:
        try:
            with _rpc():
                return self._token.functions.mintForClaims(*args).estimate_gas({"from": self.address})
        except ContractLogicError as error:
            reason = self._describe_revert(error)
            if reason.startswith("MintCapExceeded("):
                raise MintCapReached(reason) from error
            raise TransactionReverted(reason) from error
        except Web3RPCError as error:
            raise TransactionRejected(f"gas estimate refused: {_rpc_message(error)}") from error

    def _describe_revert(self, error: ContractLogicError) -> str:
        """Names the contract's custom error (``EnforcedPause``, a missing role) instead of raw revert data."""
        data = error.data if isinstance(error.data, str) else None
        if data and data.startswith("0x") and len(data) >= 10:
            raw = bytes.fromhex(data[2:])
            entry = self._errors.get(raw[:4])
            if entry:
                values = decode([arg["type"] for arg in entry["inputs"]], raw[4:])
                shown = ", ".join(value.hex() if isinstance(value, bytes) else str(value) for value in values)
                return f"{entry['name']}({shown})"
        return error.message or str(error)


@contextmanager
def _rpc() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as error:
        raise ChainUnavailable(str(error)) from error
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status is None or status == 429 or status >= 500:
            raise ChainUnavailable(str(error)) from error
        raise ChainError(str(error)) from error


def _rpc_message(error: Web3RPCError) -> str:
    response = error.rpc_response or {}
    return str(response.get("error", {}).get("message") or error.message)
