"""``ecopulse local`` runs the system on this machine; ``ecopulse local sign-up``, ``confirm`` and ``sign-in`` go
through its user pool and triggers, and ``ecopulse local token`` signs any caller's ID token without one;
``ecopulse local train`` runs the verifier training now; ``ecopulse chain deploy`` puts EcoCoin on a network;
``ecopulse preflight`` checks an AWS account and the chain before a deploy."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.config import Config

from ecopulse_local.chain_cli import add_commands as add_chain_commands
from ecopulse_local.preflight import add_commands as add_preflight_commands
from ecopulse_local.runtime import (
    ACCESS_KEY_ID,
    REPOSITORY_ROOT,
    SECRET_ACCESS_KEY,
    LocalRuntime,
    default_state_dir,
    issuers_for,
    parse_parameter_overrides,
    samconfig_parameter_overrides,
)
from ecopulse_local.template import load_stack


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not args.verbose:
        logging.getLogger("ecopulse.local.fn").setLevel(logging.WARNING)
    runtime = LocalRuntime(
        root=args.root,
        host=args.host,
        aws_port=args.aws_port,
        dynamodb_port=args.dynamodb_port,
        chain_port=args.chain_port,
        api_port=args.api_port,
        dashboard_port=args.dashboard_port,
        app_port=args.app_port,
        environment=args.env,
        state_dir=args.state_dir,
        parameter_overrides=_overrides(args),
    )
    runtime.start()
    described = runtime.describe()
    endpoints = described["endpoints"]
    not_emulated = ", ".join(sorted(set(described["not_emulated"].values())))
    print(
        f"EcoPulse is running locally (started in {described['startup_seconds']:.2f} s)\n"
        f"  HTTP API       {endpoints['api']}   (try {endpoints['api']}/health and /openapi.json)\n"
        f"  Dashboard      {endpoints['dashboard']}\n"
        f"  Citizen app    {endpoints['app']}\n"
        f"  AWS emulator   {endpoints['aws']}   (export AWS_ENDPOINT_URL={endpoints['aws']}"
        f" AWS_ACCESS_KEY_ID={ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY})\n"
        f"  DynamoDB Local {endpoints['dynamodb']}   (export AWS_ENDPOINT_URL_DYNAMODB={endpoints['dynamodb']})\n"
        f"  Chain (anvil)  {endpoints['chain']}   EcoCoin at {described['chain']['token_address']},"
        f" minted by KMS key {described['chain']['minter_address']}\n"
        f"  Resources      {len(described['resources'])} created from template.yaml;"
        f" not emulated: {not_emulated or 'none'}\n"
        f"  S3 buckets     private: signed requests, presigned URLs and POST policies checked as S3 checks them;"
        f" not enforced: {', '.join(described['s3_not_enforced'])}\n"
        f"  Sign in        ecopulse local sign-up/confirm/sign-in --email ... (through the user pool's triggers; codes"
        f" and invitations at {endpoints['dashboard']}/local-auth/outbox?to=...),"
        f" or any caller: ecopulse local token --user alice --group admin --tenant lahore\n"
        f"  State          AWS and DynamoDB in memory (lost on exit); the chain, the signing key and runtime.json"
        f" in {runtime.state_dir}\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    runtime.stop()
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    return {
        **samconfig_parameter_overrides(args.root, args.env),
        **parse_parameter_overrides(args.parameter_overrides),
    }


def _token(args: argparse.Namespace) -> int:
    stack = load_stack(args.root / "template.yaml", _overrides(args))
    issuers = issuers_for(stack, args.state_dir or default_state_dir(args.root, args.env))
    issuer = issuers[args.authorizer] if args.authorizer else next(iter(issuers.values()))
    print(issuer.issue(args.user, args.group, args.tenant, email=args.email, lifetime_seconds=args.lifetime))
    return 0


def _account(args: argparse.Namespace) -> int:
    """Sign-up, confirmation or sign-in against the running system's user pool; prints its answer (an ID token
    for a sign-in), or the pool's error and exits 1."""
    state_dir = args.state_dir or default_state_dir(args.root, args.env)
    described = json.loads((state_dir / "runtime.json").read_text())
    body = {name: value for name, value in vars(args).items() if name in _ACCOUNT_FIELDS and value is not None}
    request = urllib.request.Request(
        f"{described['endpoints']['dashboard']}/local-auth/{args.local_command}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:  # nosec B310  # http URL of the local runtime
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        print(error.read().decode(), file=sys.stderr)
        return 1
    print(answer["id_token"] if "id_token" in answer else json.dumps(answer))
    return 0


_ACCOUNT_FIELDS = ("email", "password", "tenant", "phone", "invite_code", "code", "new_password")


def _reconcile(args: argparse.Namespace) -> int:
    """Compares the running system's ledger with its chain; exits 1 on any difference that is not in flight."""
    state_dir = args.state_dir or default_state_dir(args.root, args.env)
    described = json.loads((state_dir / "runtime.json").read_text())
    table = described["outputs"]["TableName"]["Value"]
    os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=described["endpoints"]["dynamodb"], AWS_DEFAULT_REGION="us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    # Imported here: web3 takes most of a second to import, which every other command would pay.
    from web3 import HTTPProvider, Web3

    from ecopulse.chain.abi import ECOCOIN_ABI
    from ecopulse.reconcile import reconcile
    from ecopulse.store import models
    from ecopulse.store.rewards import RewardRepository

    models._Item.Meta.table_name = table
    chain = described["chain"]
    token = Web3(HTTPProvider(chain["rpc_url"])).eth.contract(address=chain["token_address"], abi=ECOCOIN_ABI)
    result = reconcile(RewardRepository().ledger_lines(args.tenant), lambda cid: token.functions.claimed(cid).call())
    print(json.dumps({"tenant": args.tenant, **result.to_dict()}, indent=2))
    return 0 if result.consistent else 1


TRAINER = "TrainVerifierFunction"


def _train(args: argparse.Namespace) -> int:
    """Runs the daily verifier training now, in the running system; exits 1 when the function failed."""
    state_dir = args.state_dir or default_state_dir(args.root, args.env)
    described = json.loads((state_dir / "runtime.json").read_text())
    stack = load_stack(args.root / "template.yaml", _overrides(args))
    timeout = int(stack.properties(TRAINER).get("Timeout", 3)) + 30
    client = boto3.client(
        "lambda",
        endpoint_url=described["endpoints"]["aws"],
        region_name=stack.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # nosec B106  # the local emulator's fake credentials
        config=Config(read_timeout=timeout, retries={"max_attempts": 1}),
    )
    response = client.invoke(FunctionName=stack.ref(TRAINER), Payload=json.dumps({"tenants": args.tenant or []}))
    print(json.dumps(json.loads(response["Payload"].read()), indent=2))
    return 1 if response.get("FunctionError") else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecopulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="run EcoPulse on this machine")
    local.add_argument("--root", type=Path, default=REPOSITORY_ROOT, help="folder holding template.yaml")
    local.add_argument("--env", default="local", help="samconfig.toml environment for parameter overrides")
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--aws-port", type=int, default=4566, help="AWS emulator port (0 picks a free one)")
    local.add_argument("--dynamodb-port", type=int, default=8000, help="DynamoDB Local port (0 picks a free one)")
    local.add_argument("--chain-port", type=int, default=8545, help="anvil JSON-RPC port (0 picks a free one)")
    local.add_argument("--api-port", type=int, default=3000, help="HTTP API port (0 picks a free one)")
    local.add_argument("--dashboard-port", type=int, default=3001, help="dashboard port (0 picks a free one)")
    local.add_argument("--app-port", type=int, default=3002, help="citizen app port (0 picks a free one)")
    local.add_argument("--verbose", action="store_true", help="show every function's log lines")
    local.add_argument("--state-dir", type=Path, help="signing key and runtime.json (default .ecopulse/<env>)")
    local.add_argument(
        "--parameter-overrides",
        default="",
        help='template parameters on top of samconfig.toml\'s, as SAM takes them: "Name=Value Name2=Value2"',
    )
    local.set_defaults(run=_serve)
    local_commands = local.add_subparsers(dest="local_command")
    token = local_commands.add_parser("token", help="print a signed ID token for the local HTTP API")
    token.add_argument("--user", required=True)
    token.add_argument("--group", action="append", required=True, choices=["citizen", "driver", "admin", "sponsor"])
    token.add_argument("--tenant", required=True)
    token.add_argument("--email")
    token.add_argument("--lifetime", type=int, default=3600, help="seconds until the token expires")
    token.add_argument("--authorizer", help="authorizer name in the template (default: the first)")
    token.set_defaults(run=_token)
    sign_up = local_commands.add_parser("sign-up", help="sign up into a city through the local user pool")
    sign_up.add_argument("--email", required=True)
    sign_up.add_argument("--password", required=True)
    sign_up.add_argument("--tenant", required=True, help="the city (GET /tenants lists those that take sign-ups)")
    sign_up.add_argument("--phone", help="optional, E.164 (+923001234567)")
    sign_up.add_argument("--invite-code", help="for a city that takes sign-ups by invitation")
    sign_up.set_defaults(run=_account)
    confirm = local_commands.add_parser("confirm", help="confirm a sign-up with the code in the local outbox")
    confirm.add_argument("--email", required=True)
    confirm.add_argument("--code", required=True)
    confirm.set_defaults(run=_account)
    sign_in = local_commands.add_parser("sign-in", help="print the ID token the user pool's triggers give")
    sign_in.add_argument("--email", required=True)
    sign_in.add_argument("--password", required=True)
    sign_in.add_argument("--new-password", help="an invited account's own password, on its first sign-in")
    sign_in.set_defaults(run=_account)
    reconciliation = local_commands.add_parser("reconcile", help="compare the running system's ledger with its chain")
    reconciliation.add_argument("--tenant", required=True)
    reconciliation.set_defaults(run=_reconcile)
    training = local_commands.add_parser("train", help="train the verifier heads now, as the daily schedule does")
    training.add_argument(
        "--tenant", action="append", help="only this tenant (repeatable; default: every labelled one)"
    )
    training.set_defaults(run=_train)
    add_chain_commands(commands)
    add_preflight_commands(commands)
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
