"""``ecopulse chain deploy`` puts EcoCoin on a network with its roles and cap; ``ecopulse chain grant-minter``
gives a minter (the stack's KMS key, by its alias) MINTER_ROLE afterwards. ``deploy-registry`` and
``grant-retirer`` do the same for the ImpactRegistry, which records retired impact credits.

Keys are read from the environment, never from the command line (where shell history keeps them): the
deployer's from ECOPULSE_DEPLOYER_KEY, the admin's from ECOPULSE_ADMIN_KEY. The deployer pays for the
deployment and keeps no role unless it is named for one; a multisig admin grants the minter from its own
wallet instead, with the address ``grant-minter --dry-run`` prints.

web3 and boto3 are imported when a chain command runs: they take most of a second, which every other
``ecopulse`` command would pay.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3
    from web3.contract.contract import Contract

ECO = 10**18
DAY = 86_400


def add_commands(commands: Any) -> None:
    """Adds ``chain deploy`` and ``chain grant-minter`` to the ``ecopulse`` parser's subcommands."""
    chain = commands.add_parser("chain", help="deploy EcoCoin to a network and manage its roles")
    chain_commands = chain.add_subparsers(dest="chain_command", required=True)
    deploying = chain_commands.add_parser("deploy", help="deploy EcoCoin with its admin, pauser, minter and cap")
    _network_arguments(deploying)
    deploying.add_argument("--admin", required=True, help="the default admin (a multisig in production)")
    deploying.add_argument("--pauser", required=True, help="the address that may pause minting in an incident")
    deploying.add_argument("--mint-cap", type=int, required=True, help="whole ECO that may be minted per period")
    deploying.add_argument("--mint-period", type=int, default=DAY, help="seconds per period (default: a day)")
    deploying.add_argument(
        "--admin-delay", type=int, default=2 * DAY, help="seconds an admin transfer waits (default: two days)"
    )
    _minter_arguments(deploying, required=False)
    deploying.set_defaults(run=_deploy)
    granting = chain_commands.add_parser("grant-minter", help="give a minter MINTER_ROLE, as the token's admin")
    _network_arguments(granting)
    granting.add_argument("--token", required=True, help="the EcoCoin address")
    granting.add_argument("--dry-run", action="store_true", help="print the minter's address and roles only")
    _minter_arguments(granting, required=True)
    granting.set_defaults(run=_grant_minter)
    registry = chain_commands.add_parser("deploy-registry", help="deploy the ImpactRegistry with its admin")
    _network_arguments(registry)
    registry.add_argument("--admin", required=True, help="the registry's admin, who grants RETIRER_ROLE")
    registry.set_defaults(run=_deploy_registry)
    retirer = chain_commands.add_parser("grant-retirer", help="give a retirer RETIRER_ROLE, as the registry's admin")
    _network_arguments(retirer)
    retirer.add_argument("--registry", required=True, help="the ImpactRegistry address")
    retirer.add_argument("--retirer-kms-key", required=True, help="the retirer's KMS key (alias/<stack>-retirer)")
    retirer.add_argument("--dry-run", action="store_true", help="print the retirer's address only")
    retirer.set_defaults(run=_grant_retirer)


def _network_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rpc-url", required=True, help="the network's JSON-RPC endpoint")
    parser.add_argument("--chain-id", type=int, required=True, help="refused unless the node serves this chain")


def _minter_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    minter = parser.add_mutually_exclusive_group(required=required)
    minter.add_argument("--minter", help="the minter's address")
    minter.add_argument("--minter-kms-key", help="the minter's KMS key (id, ARN or alias/<stack>-minter)")


def _connect(args: argparse.Namespace) -> Web3:
    from web3 import HTTPProvider, Web3

    w3 = Web3(HTTPProvider(args.rpc_url, request_kwargs={"timeout": 30}))
    if w3.eth.chain_id != args.chain_id:
        raise SystemExit(f"{args.rpc_url} serves chain {w3.eth.chain_id}, not {args.chain_id}")
    return w3


def _key_from_environment(name: str) -> LocalAccount:
    from eth_account import Account

    key = os.environ.get(name)
    if not key:
        raise SystemExit(f"set {name} to the signing key (hex); it is never read from the command line")
    account: LocalAccount = Account.from_key(key)
    return account


def _minter_address(args: argparse.Namespace) -> str | None:
    from web3 import Web3

    from ecopulse.chain.kms_signer import KmsSigner

    if args.minter_kms_key:
        return KmsSigner(args.minter_kms_key).address
    return Web3.to_checksum_address(args.minter) if args.minter else None


def _deploy(args: argparse.Namespace) -> int:
    from ecopulse_local.chain import REPOSITORY_ROOT
    from ecopulse_local.token import TokenSetUp, deploy, load_artifact, token_contract

    w3 = _connect(args)
    deployer = _key_from_environment("ECOPULSE_DEPLOYER_KEY")
    artifact = load_artifact(REPOSITORY_ROOT)
    set_up = TokenSetUp(
        admin=args.admin,
        pauser=args.pauser,
        minter=_minter_address(args),
        mint_cap_wei=args.mint_cap * ECO,
        mint_period=args.mint_period,
        admin_delay=args.admin_delay,
    )
    token = token_contract(w3, deploy(w3, deployer, set_up, artifact), artifact)
    _print_roles(token, args.chain_id, [set_up.admin, set_up.pauser, set_up.minter, deployer.address])
    return 0


def _grant_minter(args: argparse.Namespace) -> int:
    from ecopulse_local.chain import REPOSITORY_ROOT
    from ecopulse_local.token import grant_minter, load_artifact, token_contract

    w3 = _connect(args)
    artifact = load_artifact(REPOSITORY_ROOT)
    token = token_contract(w3, args.token, artifact)
    minter = _minter_address(args)
    if minter is None:
        raise SystemExit("name the minter with --minter or --minter-kms-key")
    if not args.dry_run:
        grant_minter(w3, _key_from_environment("ECOPULSE_ADMIN_KEY"), token, minter)
    _print_roles(token, args.chain_id, [minter])
    return 0


def _deploy_registry(args: argparse.Namespace) -> int:
    from web3 import Web3

    from ecopulse_local.chain import REPOSITORY_ROOT
    from ecopulse_local.token import deploy_registry, load_registry_artifact

    w3 = _connect(args)
    deployer = _key_from_environment("ECOPULSE_DEPLOYER_KEY")
    address = deploy_registry(w3, deployer, args.admin, load_registry_artifact(REPOSITORY_ROOT))
    print(json.dumps({"chain_id": args.chain_id, "registry_address": address,
                      "admin": Web3.to_checksum_address(args.admin)}, indent=2))  # fmt: skip
    return 0


def _grant_retirer(args: argparse.Namespace) -> int:
    from web3 import Web3

    from ecopulse.chain.kms_signer import KmsSigner
    from ecopulse_local.chain import REPOSITORY_ROOT
    from ecopulse_local.token import grant_retirer, load_registry_artifact

    w3 = _connect(args)
    abi = load_registry_artifact(REPOSITORY_ROOT)["abi"]
    registry = w3.eth.contract(address=Web3.to_checksum_address(args.registry), abi=abi)
    retirer = KmsSigner(args.retirer_kms_key).address
    if not args.dry_run:
        grant_retirer(w3, _key_from_environment("ECOPULSE_ADMIN_KEY"), registry, retirer)
    role = registry.functions.RETIRER_ROLE().call()
    print(json.dumps({"registry_address": registry.address, "retirer": retirer,
                      "has_retirer_role": registry.functions.hasRole(role, retirer).call()}, indent=2))  # fmt: skip
    return 0


def _print_roles(token: Contract, chain_id: int, addresses: list[str | None]) -> None:
    from web3 import Web3

    from ecopulse_local.token import roles_of

    functions = token.functions
    print(
        json.dumps(
            {
                "chain_id": chain_id,
                "token_address": token.address,
                "mint_cap_eco": functions.mintCap().call() / ECO,
                "mint_period_seconds": functions.mintPeriod().call(),
                "admin_delay_seconds": functions.defaultAdminDelay().call(),
                "roles": {
                    Web3.to_checksum_address(address): roles_of(token, address)
                    for address in dict.fromkeys(address for address in addresses if address)
                },
            },
            indent=2,
        )
    )
