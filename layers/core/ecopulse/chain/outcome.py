"""What a paid claim came to, on its own so that telling the citizen needs none of the chain's libraries."""

from enum import StrEnum


class MintOutcome(StrEnum):
    MINTED = "minted"
    ALREADY_MINTED = "already_minted"
