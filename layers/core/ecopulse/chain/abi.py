"""The part of EcoCoin's ABI the minter calls, so the Lambda layer carries no build artifact.

tests/unit/chain/test_abi.py checks every entry against contracts/build/EcoCoin.json.
"""

from typing import Any

ECOCOIN_ABI: list[dict[str, Any]] = [
    {
        "inputs": [
            {"internalType": "bytes32[]", "name": "claimIds", "type": "bytes32[]"},
            {"internalType": "address[]", "name": "to", "type": "address[]"},
            {"internalType": "uint256[]", "name": "amounts", "type": "uint256[]"},
        ],
        "name": "mintForClaims",
        "outputs": [{"internalType": "uint256", "name": "minted", "type": "uint256"}],
        "stateMutability": "nonpayable",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "bytes32", "name": "claimId", "type": "bytes32"}],
        "name": "claimed",
        "outputs": [{"internalType": "bool", "name": "", "type": "bool"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [],
        "name": "MINTER_ROLE",
        "outputs": [{"internalType": "bytes32", "name": "", "type": "bytes32"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [
            {"internalType": "bytes32", "name": "role", "type": "bytes32"},
            {"internalType": "address", "name": "account", "type": "address"},
        ],
        "name": "hasRole",
        "outputs": [{"internalType": "bool", "name": "", "type": "bool"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "anonymous": False,
        "inputs": [
            {"indexed": True, "internalType": "bytes32", "name": "claimId", "type": "bytes32"},
            {"indexed": True, "internalType": "address", "name": "to", "type": "address"},
            {"indexed": False, "internalType": "uint256", "name": "amount", "type": "uint256"},
        ],
        "name": "ClaimMinted",
        "type": "event",
    },
    {
        "anonymous": False,
        "inputs": [{"indexed": True, "internalType": "bytes32", "name": "claimId", "type": "bytes32"}],
        "name": "ClaimSkipped",
        "type": "event",
    },
    {
        "inputs": [
            {"internalType": "address", "name": "account", "type": "address"},
            {"internalType": "bytes32", "name": "neededRole", "type": "bytes32"},
        ],
        "name": "AccessControlUnauthorizedAccount",
        "type": "error",
    },
    {"inputs": [], "name": "EnforcedPause", "type": "error"},
    {
        "inputs": [{"internalType": "address", "name": "receiver", "type": "address"}],
        "name": "ERC20InvalidReceiver",
        "type": "error",
    },
    {
        "inputs": [
            {"internalType": "uint256", "name": "claimIds", "type": "uint256"},
            {"internalType": "uint256", "name": "recipients", "type": "uint256"},
            {"internalType": "uint256", "name": "amounts", "type": "uint256"},
        ],
        "name": "LengthMismatch",
        "type": "error",
    },
    {
        "inputs": [
            {"internalType": "uint256", "name": "requested", "type": "uint256"},
            {"internalType": "uint256", "name": "available", "type": "uint256"},
        ],
        "name": "MintCapExceeded",
        "type": "error",
    },
]
