"""Transactions signed by an AWS KMS key (ECC_SECG_P256K1): the minter's private key never leaves KMS.

KMS signs a 32-byte digest and answers with a DER-encoded ECDSA signature (r, s) and no recovery id. Ethereum
wants (v, r, s) with s in the lower half of the curve order (EIP-2): s is folded down when KMS returns the high
one, and v is the recovery id (0 or 1) under which the signature recovers the key's own address, read once from
``GetPublicKey``. eth-account builds and encodes the transaction; eth-keys recovers; nothing here does curve
arithmetic.
"""

from typing import Any, cast

import boto3
from Crypto.Util.asn1 import DerBitString, DerObjectId, DerSequence  # nosec B413  # pycryptodome, not pyCrypto
from eth_account.datastructures import SignedTransaction
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_keys.constants import SECPK1_N
from eth_keys.datatypes import PublicKey, Signature
from eth_typing import ChecksumAddress
from eth_utils import keccak
from hexbytes import HexBytes

from ecopulse.chain.readiness import MinterMisconfigured

KEY_SPEC = "ECC_SECG_P256K1"
_SECP256K1 = "1.3.132.0.10"
_UNCOMPRESSED_POINT = 0x04


def der_sequence(der: bytes) -> list[Any]:
    """The items of a DER SEQUENCE: ints, and the DER encoding of anything else (pycryptodome's stubs type an
    item as None)."""
    sequence = DerSequence().decode(der)
    return [cast(Any, sequence[index]) for index in range(len(sequence))]


def address_of_public_key(subject_public_key_info: bytes) -> ChecksumAddress:
    """The Ethereum address of a DER SubjectPublicKeyInfo, which must hold an uncompressed secp256k1 point."""
    algorithm, bit_string = der_sequence(subject_public_key_info)
    parameters = der_sequence(algorithm)
    curve = DerObjectId().decode(parameters[1]).value if len(parameters) == 2 else None
    point = DerBitString().decode(bit_string).value
    if curve != _SECP256K1 or len(point) != 65 or point[0] != _UNCOMPRESSED_POINT:
        raise ValueError(f"the public key is not an uncompressed point on secp256k1 (curve {curve})")
    return PublicKey(point[1:]).to_checksum_address()


def low_s(r: int, s: int) -> tuple[int, int]:
    """(r, s) with s in the lower half of the curve order, the only form Ethereum accepts (EIP-2)."""
    return r, SECPK1_N - s if s > SECPK1_N // 2 else s


class KmsSigner:
    """Signs typed (EIP-1559) transactions with one KMS key; needs ``kms:Sign`` and ``kms:GetPublicKey`` only."""

    def __init__(self, key_id: str, kms: Any = None) -> None:
        self._kms = kms or boto3.client("kms")
        self._key_id = key_id
        public_key = self._kms.get_public_key(KeyId=key_id)
        try:
            if public_key.get("KeyUsage") != "SIGN_VERIFY":
                raise ValueError(f"its usage is {public_key.get('KeyUsage')}")
            self.address = address_of_public_key(public_key["PublicKey"])
        except ValueError as wrong:
            raise MinterMisconfigured(f"KMS key {key_id} is not a {KEY_SPEC} signing key: {wrong}") from wrong

    def sign_transaction(self, transaction: dict[str, Any]) -> SignedTransaction:
        """Signs as eth-account's LocalAccount does: a ``from`` naming another address is refused."""
        unsigned = {name: value for name, value in transaction.items() if name != "from"}
        if transaction.get("from", self.address) != self.address:
            raise TypeError(f"the transaction is from {transaction['from']}, not from this key's {self.address}")
        v, r, s = self.sign_digest(TypedTransaction.from_dict(unsigned).hash())
        raw = TypedTransaction.from_dict({**unsigned, "v": v, "r": r, "s": s}).encode()
        return SignedTransaction(raw_transaction=HexBytes(raw), hash=HexBytes(keccak(raw)), r=r, s=s, v=v)

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        """(v, r, s) over a 32-byte digest, v being the recovery id (0 or 1) that yields this key's address."""
        signed = self._kms.sign(
            KeyId=self._key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
        )
        r, s = low_s(*der_sequence(signed["Signature"]))
        for v in (0, 1):
            recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
            if recovered.to_checksum_address() == self.address:
                return v, r, s
        raise ValueError(f"KMS key {self._key_id} returned a signature that does not recover its own address")
