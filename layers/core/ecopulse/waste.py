"""The kinds of waste EcoPulse tracks: the model's waste types and what a citizen may report."""

from enum import StrEnum


class WasteType(StrEnum):
    PLASTIC = "plastic"
    GLASS = "glass"
    METAL = "metal"
    PAPER = "paper"
    ORGANIC = "organic"
    E_WASTE = "e_waste"
    MIXED = "mixed"
