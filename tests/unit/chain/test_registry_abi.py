"""The ImpactRegistry ABI the impact function carries is the committed artifact's, entry for entry."""

import json

from ecopulse.chain.registry import REGISTRY_ABI


def test_every_registry_abi_entry_matches_the_committed_artifact(root):
    artifact = json.loads((root / "contracts" / "build" / "ImpactRegistry.json").read_text())
    by_name = {(entry["type"], entry.get("name")): entry for entry in artifact["abi"]}

    for entry in REGISTRY_ABI:
        assert by_name[(entry["type"], entry["name"])] == entry, entry["name"]
    assert {"retire", "retirementOf", "Retired", "AlreadyRetired"} <= {entry["name"] for entry in REGISTRY_ABI}
