"""A real Ethereum JSON-RPC node on loopback (anvil) with EcoCoin deployed, for `ecopulse local` and tests.

anvil is the binary inside the per-platform npm package pinned in tools/anvil: nothing is downloaded at
install or run time, and Node is not needed to run it. Its state lives in one file, loaded at start and
written at stop, so balances survive a restart. Accounts come from anvil's well-known test mnemonic: the
deployer (account 0) deploys the committed artifact at nonce 0, which fixes the contract's address across
fresh starts and restarts alike, and grants MINTER_ROLE to a separate minter (account 1), as a deployment
would.
"""

from __future__ import annotations

import json
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.types import TransactionDictType
from web3 import HTTPProvider, Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import Nonce
from web3.utils.address import get_create_address

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337
MNEMONIC = "test test test test test test test test test test test junk"
DEPLOYER, MINTER = 0, 1
_PLATFORM_PACKAGES = {
    ("linux", "x86_64"): "anvil-linux-amd64",
    ("linux", "aarch64"): "anvil-linux-arm64",
    ("linux", "arm64"): "anvil-linux-arm64",
    ("darwin", "x86_64"): "anvil-darwin-amd64",
    ("darwin", "arm64"): "anvil-darwin-arm64",
}


def anvil_binary(root: Path = REPOSITORY_ROOT) -> Path:
    """The platform's anvil inside tools/anvil/node_modules."""
    package = _PLATFORM_PACKAGES.get((sys.platform, platform.machine().lower()))
    if package is None:
        raise RuntimeError(f"anvil has no build for {sys.platform}/{platform.machine()}")
    binary = root / "tools" / "anvil" / "node_modules" / "@foundry-rs" / package / "bin" / "anvil"
    if not binary.is_file():
        raise RuntimeError(
            f"{binary} is missing: run scripts/install (npm ci --prefix tools/anvil), and make sure"
            f" tools/anvil/package.json lists @foundry-rs/{package}"
        )
    return binary


def dev_account_key(index: int) -> str:
    """The key anvil derives for account ``index`` of MNEMONIC (its default derivation path)."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return Web3.to_hex(account.key)


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


class LocalChain:
    def __init__(
        self,
        state_file: Path,
        port: int = 8545,
        host: str = "127.0.0.1",
        chain_id: int = CHAIN_ID,
        root: Path = REPOSITORY_ROOT,
        startup_timeout: float = 10.0,
    ) -> None:
        self.state_file = Path(state_file)
        self.host = host
        self.port = port
        self.chain_id = chain_id
        self.rpc_url = f"http://{host}:{port}"
        self.startup_timeout = startup_timeout
        self._root = root
        self._artifact = json.loads((root / "contracts" / "build" / "EcoCoin.json").read_text())
        self.log_path = self.state_file.with_suffix(".log")
        self.deployer_key = dev_account_key(DEPLOYER)
        self.minter_private_key = dev_account_key(MINTER)
        self.token_address = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def deployer_address(self) -> str:
        return _account(self.deployer_key).address

    @property
    def minter_address(self) -> str:
        return _account(self.minter_private_key).address

    def environment(self) -> dict[str, str]:
        """What a minter function needs to reach this chain; the key itself is handed over separately."""
        return {
            "CHAIN_RPC_URL": self.rpc_url,
            "CHAIN_ID": str(self.chain_id),
            "TOKEN_ADDRESS": self.token_address,
            "CHAIN_FINALITY": "latest",
        }

    def start(self) -> None:
        """Starts anvil, waits until it answers, and makes sure EcoCoin is deployed with its minter."""
        if _port_in_use(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is taken; anvil would not be the node answering there")
        started = time.perf_counter()
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log:
            process = self._process = subprocess.Popen(
                [
                    str(anvil_binary(self._root)),
                    "--host", self.host,
                    "--port", str(self.port),
                    "--chain-id", str(self.chain_id),
                    "--mnemonic", MNEMONIC,
                    "--accounts", "2",
                    "--hardfork", self._artifact["settings"]["evmVersion"],
                    "--state", str(self.state_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        w3 = Web3(HTTPProvider(self.rpc_url, request_kwargs={"timeout": 2}, exception_retry_configuration=None))
        try:
            self._wait_until_answering(w3, process)
            self.startup_seconds = time.perf_counter() - started
            self.token_address = self._ensure_deployed(w3)
        except BaseException:
            self.stop()
            raise

    def _wait_until_answering(self, w3: Web3, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"anvil exited with {process.returncode}:\n{self.log_path.read_text()}")
            try:
                if w3.eth.chain_id == self.chain_id:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"anvil did not answer on {self.rpc_url} within {self.startup_timeout} s")
            time.sleep(0.01)

    def _ensure_deployed(self, w3: Web3) -> str:
        deployer = _account(self.deployer_key)
        address = get_create_address(deployer.address, Nonce(0))
        token = w3.eth.contract(address=address, abi=self._artifact["abi"])
        code = w3.eth.get_code(address)
        if not code:
            if w3.eth.get_transaction_count(deployer.address) != 0:
                raise RuntimeError(
                    f"{self.state_file} has no EcoCoin at {address} but the deployer has sent transactions;"
                    " delete the state file to start a fresh chain"
                )
            factory = w3.eth.contract(abi=self._artifact["abi"], bytecode=self._artifact["bytecode"])
            self._transact(w3, deployer, factory.constructor(deployer.address))
        elif bytes(code) != Web3.to_bytes(hexstr=self._artifact["deployedBytecode"]):
            raise RuntimeError(
                f"the EcoCoin in {self.state_file} is not contracts/build/EcoCoin.json (rebuilt since?);"
                " delete the state file to deploy the new build"
            )
        minter_role = token.functions.MINTER_ROLE().call()
        if not token.functions.hasRole(minter_role, self.minter_address).call():
            self._transact(w3, deployer, token.functions.grantRole(minter_role, self.minter_address))
        return address

    @staticmethod
    def _transact(w3: Web3, account: LocalAccount, call: ContractConstructor | ContractFunction) -> None:
        """Signed locally and sent raw, as the minter does, rather than relying on anvil's unlocked accounts."""
        tx = call.build_transaction({"from": account.address, "nonce": w3.eth.get_transaction_count(account.address)})
        # web3 builds a TxParams TypedDict, eth_account signs a plain dict of the same keys: neither names the other.
        signed = account.sign_transaction(cast(TransactionDictType, tx))
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.01)
        if receipt["status"] != 1:
            raise RuntimeError(f"local chain set-up transaction {tx_hash.to_0x_hex()} reverted")

    def stop(self) -> None:
        """SIGTERM, on which anvil writes its state file; then it is waited for."""
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> LocalChain:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _account(private_key: str) -> LocalAccount:
    """eth_account's Account methods are untyped (combomethods); the account they return is a LocalAccount."""
    account: LocalAccount = Account.from_key(private_key)
    return account
