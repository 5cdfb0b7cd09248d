"""Scheduled: every tenant's ledger against the chain. A payout the chain has not seen, a claim on chain the
ledger has not recorded, or a line that cannot be a claim is counted in the LedgerDifferences metric, whose alarm
asks someone to look (docs/deploy.md); rewards still waiting for a wallet or a retry are normal and not counted.

It reads the token's ``claimed`` slots through the minter's KMS key, which it may only look up (its address),
never use to sign."""

from functools import cache

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecopulse.chain.kms_signer import KmsSigner
from ecopulse.chain.web3_chain import Web3Chain
from ecopulse.config import deployment
from ecopulse.observability import logger, metrics, tracer
from ecopulse.reconcile import reconcile
from ecopulse.store.rewards import RewardRepository

ledger = RewardRepository()


@cache
def chain() -> Web3Chain:
    """Built on the first run, not on import: reading the key's address needs the network."""
    config = deployment()
    return Web3Chain(
        config.chain_rpc_url,
        config.chain_id,
        config.token_address,
        KmsSigner(config.minter_key_id),
        finality=config.chain_finality,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    result = reconcile(ledger.every_tenants_lines(), chain().is_claimed)
    metrics.add_metric(name="LedgerDifferences", unit=MetricUnit.Count, value=result.differences)
    summary = result.to_dict()
    if result.consistent:
        logger.info("ledger and chain agree", extra=summary)
    else:
        logger.error("ledger and chain differ", extra=summary)
    return summary
