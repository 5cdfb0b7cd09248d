"""The ABI the Lambda layer carries is the committed artifact's, entry for entry."""

import json

from ecopulse.chain.abi import ECOCOIN_ABI


def test_every_abi_entry_matches_the_committed_artifact(root):
    artifact = json.loads((root / "contracts" / "build" / "EcoCoin.json").read_text())
    by_name = {(entry["type"], entry.get("name")): entry for entry in artifact["abi"]}

    for entry in ECOCOIN_ABI:
        assert by_name[(entry["type"], entry["name"])] == entry, entry["name"]
    names = {entry["name"] for entry in ECOCOIN_ABI}
    assert {"mintForClaims", "claimed", "hasRole", "MINTER_ROLE", "ClaimMinted", "MintCapExceeded"} <= names
