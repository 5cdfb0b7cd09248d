"""Whether a minter can pay anything at all, asked before its first transaction rather than learnt from gas spent.

A wrong chain id, a token address with no code or a key without MINTER_ROLE are set-up mistakes: every
transaction sent with them would fail (or, on the wrong chain, succeed somewhere nobody looks). They are
checked with free reads, in an order where each answer makes the next one meaningful.
"""

from ecopulse.chain.ports import Chain


class MinterMisconfigured(Exception):
    """The minter refuses to send anything until its configuration or its key's rights are fixed."""


def check_minter(chain: Chain, expected_chain_id: int) -> None:
    """Raises MinterMisconfigured naming the first thing that stops this key from minting on this token."""
    actual = chain.chain_id()
    if actual != expected_chain_id:
        raise MinterMisconfigured(f"the node serves chain {actual}, not the configured chain {expected_chain_id}")
    if not chain.token_deployed():
        raise MinterMisconfigured(f"there is no contract at the token address on chain {actual}")
    if not chain.signer_can_mint():
        raise MinterMisconfigured("the minter key does not hold MINTER_ROLE on the token")
    if chain.gas_balance() == 0:
        raise MinterMisconfigured("the minter key has no balance to pay gas with")
