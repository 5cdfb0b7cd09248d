"""The deployment's settings, which a function reads from its environment (set per function in template.yaml);
a city's policy is ``ecopulse.tenants.TenantSettings``."""

import os
from functools import cache
from typing import Literal

from pydantic import BaseModel, Field


class Settings(BaseModel):
    stage: str = "dev"
    table_name: str = ""
    uploads_bucket: str = ""
    models_bucket: str = ""
    state_machine_arn: str = ""
    idempotency_table_name: str = ""
    notifications_topic_arn: str = ""
    notification_sender: str = ""
    mint_queue_url: str = ""
    push_fcm_application_arn: str = ""
    push_apns_application_arn: str = ""
    push_topic_prefix: str = "ecopulse"
    """Each city's broadcast topic is ``<prefix>-<tenant>``, made when its first device registers."""
    user_pool_id: str = ""
    cursor_secret_arn: str = ""
    """The Secrets Manager secret the listings' cursors are sealed with (``ecopulse.paging``)."""
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    upload_expiry_seconds: int = Field(default=300, gt=0)
    max_upload_pixels: int = Field(default=50_000_000, gt=0)
    near_duplicate_distance: int = Field(default=8, ge=0, le=16)
    verifier_min_labels: int = Field(default=40, ge=2)
    chain_rpc_url: str = ""
    chain_id: int = Field(default=0, ge=0)
    token_address: str = ""
    minter_key_id: str = ""
    """The AWS KMS key (ECC_SECG_P256K1) the minter signs with; its private half never leaves KMS."""
    impact_registry_address: str = ""
    """The ImpactRegistry contract that records retired impact credits."""
    retirer_key_id: str = ""
    """The AWS KMS key (ECC_SECG_P256K1) that signs retirements; its own key, so its nonces never race the minter's."""
    chain_finality: Literal["latest", "safe", "finalized"] = "finalized"
    """The block tag a receipt, nonce or claim must reach to count as paid."""
    chain_min_priority_fee_wei: int = Field(default=0, ge=0)
    mint_max_batch: int = Field(default=10, ge=1, le=100)
    """Claims per invocation and per mintForClaims transaction, at most ecopulse.chain.claims.MAX_BATCH_SIZE; the
    function takes from the queue what one delivery (ten messages) does not hold."""
    mint_gas_cap: int | None = Field(default=None, gt=21_000)
    """The most gas one mintForClaims transaction may take; larger batches are halved until they fit."""
    mint_receipt_timeout_seconds: float = Field(default=60, gt=0)
    mint_poll_seconds: float = Field(default=1, gt=0)
    mint_max_replacements: int = Field(default=3, ge=0)


@cache
def deployment() -> Settings:
    """Reads the environment once per container, like the rest of module-scope setup."""
    fields = Settings.model_fields
    values = {name: os.environ[name.upper()] for name in fields if name.upper() in os.environ}
    return Settings(**values)
