"""A real Ethereum JSON-RPC node on loopback (anvil) with EcoCoin deployed, for `ecopulse local` and tests.

anvil is the binary inside the per-platform npm package pinned in tools/anvil: nothing is downloaded at
install or run time, and Node is not needed to run it. Its state lives in one file, loaded at start and
written at stop, so balances survive a restart. The deployer is account 0 of anvil's well-known test mnemonic:
it deploys the committed artifact at nonce 0, which fixes the contract's address across fresh starts and
restarts alike, and is the token's admin and pauser. It has no minter role: minters are granted with
``grant_minter`` and paid for gas with ``fund``, as the local runtime does for its KMS key.
"""

from __future__ import annotations

import platform
import signal
import socket
import subprocess  # nosec B404  # runs the local anvil node
import sys
import time
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.types import Nonce
from web3.utils.address import get_create_address

from ecopulse_local.token import (
    DAY,
    TokenSetUp,
    deploy,
    deploy_registry,
    grant_minter,
    grant_retirer,
    load_artifact,
    load_registry_artifact,
    send_value,
    token_contract,
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337
MNEMONIC = "test test test test test test test test test test test junk"
DEPLOYER = 0
LOCAL_MINT_CAP_WEI = 10**9 * 10**18
"""A billion ECO a day: the cap is there as on any network, out of the way of local tests and benchmarks."""
MINTER_GAS_WEI = 100 * 10**18
RETIRER_KEY = "RetirerKey"
"""The template's KMS key that signs impact-credit retirements; every other secp256k1 key is the minter's."""
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
        self._artifact = load_artifact(root)
        self._registry_artifact = load_registry_artifact(root)
        self.log_path = self.state_file.with_suffix(".log")
        self.deployer_key = dev_account_key(DEPLOYER)
        self.token_address = ""  # nosec B105  # an address, set once deployed
        self.registry_address = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def deployer(self) -> LocalAccount:
        """The token's deployer, admin and pauser."""
        return _account(self.deployer_key)

    @property
    def deployer_address(self) -> str:
        return self.deployer.address

    @property
    def w3(self) -> Web3:
        return Web3(HTTPProvider(self.rpc_url, request_kwargs={"timeout": 10}))

    def grant_minter(self, address: str) -> None:
        """MINTER_ROLE for ``address``, granted by the admin as on any network."""
        grant_minter(self.w3, self.deployer, token_contract(self.w3, self.token_address, self._artifact), address)

    def grant_retirer(self, address: str) -> None:
        """RETIRER_ROLE on the ImpactRegistry for ``address``, granted by its admin."""
        registry = self.w3.eth.contract(
            address=Web3.to_checksum_address(self.registry_address), abi=self._registry_artifact["abi"]
        )
        grant_retirer(self.w3, self.deployer, registry, address)

    def fund(self, address: str, wei: int = MINTER_GAS_WEI) -> None:
        """Gas money for ``address``, sent by the deployer."""
        send_value(self.w3, self.deployer, address, wei)

    def environment(self) -> dict[str, str]:
        """What a minter function needs to reach this chain; its key is a KMS key, made separately."""
        return {
            "CHAIN_RPC_URL": self.rpc_url,
            "CHAIN_ID": str(self.chain_id),
            "TOKEN_ADDRESS": self.token_address,
            "IMPACT_REGISTRY_ADDRESS": self.registry_address,
            "CHAIN_FINALITY": "latest",
        }

    def start(self) -> None:
        """Starts anvil, waits until it answers, and makes sure EcoCoin is deployed with its minter."""
        if _port_in_use(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is taken; anvil would not be the node answering there")
        started = time.perf_counter()
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log:
            process = self._process = subprocess.Popen(  # nosec B603  # argv of the bundled anvil binary, no shell
                [
                    str(anvil_binary(self._root)),
                    "--host", self.host,
                    "--port", str(self.port),
                    "--chain-id", str(self.chain_id),
                    "--mnemonic", MNEMONIC,
                    "--accounts", "1",
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
            self.registry_address = self._ensure_registry(w3)
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
        """Signed locally and sent raw, as on any network, rather than relying on anvil's unlocked accounts."""
        deployer = self.deployer
        address = get_create_address(deployer.address, Nonce(0))
        code = w3.eth.get_code(address)
        if not code:
            if w3.eth.get_transaction_count(deployer.address) != 0:
                raise RuntimeError(
                    f"{self.state_file} has no EcoCoin at {address} but the deployer has sent transactions;"
                    " delete the state file to start a fresh chain"
                )
            set_up = TokenSetUp(
                admin=deployer.address, pauser=deployer.address, mint_cap_wei=LOCAL_MINT_CAP_WEI, mint_period=DAY
            )
            deploy(w3, deployer, set_up, self._artifact)
        elif bytes(code) != Web3.to_bytes(hexstr=self._artifact["deployedBytecode"]):
            raise RuntimeError(
                f"the EcoCoin in {self.state_file} is not contracts/build/EcoCoin.json (rebuilt since?);"
                " delete the state file to deploy the new build"
            )
        return address

    def _ensure_registry(self, w3: Web3) -> str:
        """The ImpactRegistry, deployed by the deployer's second transaction, right after EcoCoin: so its address
        is the same on every fresh start too (``0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512``)."""
        deployer = self.deployer
        address = get_create_address(deployer.address, Nonce(1))
        code = w3.eth.get_code(address)
        if not code:
            if w3.eth.get_transaction_count(deployer.address) != 1:
                raise RuntimeError(
                    f"{self.state_file} has no ImpactRegistry at {address} (made before it existed?);"
                    " delete the state file to start a fresh chain"
                )
            deploy_registry(w3, deployer, deployer.address, self._registry_artifact)
        elif bytes(code) != Web3.to_bytes(hexstr=self._registry_artifact["deployedBytecode"]):
            raise RuntimeError(
                f"the ImpactRegistry in {self.state_file} is not contracts/build/ImpactRegistry.json (rebuilt"
                " since?); delete the state file to deploy the new build"
            )
        return address

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
