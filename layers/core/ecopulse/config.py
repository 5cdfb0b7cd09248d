"""Settings a function reads from its environment, set per function in template.yaml."""

import os
from functools import cache

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
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    upload_expiry_seconds: int = Field(default=300, gt=0)
    max_upload_pixels: int = Field(default=50_000_000, gt=0)
    near_duplicate_distance: int = Field(default=8, ge=0, le=16)
    verifier_min_labels: int = Field(default=40, ge=2)


@cache
def settings() -> Settings:
    """Reads the environment once per container, like the rest of module-scope setup."""
    fields = Settings.model_fields
    values = {name: os.environ[name.upper()] for name in fields if name.upper() in os.environ}
    return Settings(**values)
