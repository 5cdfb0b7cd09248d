"""Paying approved claims in EcoCoin: claim rules, the ports the minter needs, and the web3 adapter.

Import ``ecopulse.chain.web3_chain`` only where a real node is reached; the rest has no chain calls.
"""
