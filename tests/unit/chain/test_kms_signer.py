"""Signing with a KMS key: DER to (v, r, s) with low s, v recovered against the key's address, and moto's KMS
(with its DIGEST signing corrected by the local runtime) giving transactions a node accepts."""

from dataclasses import dataclass

import boto3
import pytest
from Crypto.Util.asn1 import DerSequence
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from eth_keys.constants import SECPK1_N
from eth_keys.datatypes import PrivateKey
from eth_utils import to_checksum_address
from moto import mock_aws

from ecopulse.chain.kms_signer import KmsSigner, address_of_public_key, low_s
from ecopulse.chain.readiness import MinterMisconfigured
from ecopulse_local.kms import sign_digests_as_kms_does

TRANSACTION = {
    "type": 2,
    "chainId": 80002,
    "nonce": 7,
    "to": to_checksum_address("0x" + "ab" * 20),
    "value": 0,
    "data": bytes.fromhex("c0ffee"),
    "gas": 120_000,
    "maxFeePerGas": 60 * 10**9,
    "maxPriorityFeePerGas": 30 * 10**9,
}


@dataclass
class KeyHeldKms:
    """A KMS stand-in over a known key that answers as KMS does: DER (r, s), s high or low as it comes, no v."""

    key: PrivateKey
    high_s: bool = False
    usage: str = "SIGN_VERIFY"

    def get_public_key(self, KeyId: str) -> dict:
        public = ec.derive_private_key(int.from_bytes(self.key.to_bytes(), "big"), ec.SECP256K1()).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"KeyId": KeyId, "KeyUsage": self.usage, "PublicKey": der}

    def sign(self, KeyId: str, Message: bytes, MessageType: str, SigningAlgorithm: str) -> dict:
        assert (MessageType, SigningAlgorithm) == ("DIGEST", "ECDSA_SHA_256")
        _, r, s = self.key.sign_msg_hash(Message).vrs
        return {"Signature": DerSequence([r, SECPK1_N - s if self.high_s else s]).encode()}


def key_with_recovery_id(v: int) -> PrivateKey:
    """A fixed key whose (deterministic, RFC 6979) signature of TRANSACTION has recovery id ``v``."""
    for seed in range(1, 64):
        key = PrivateKey(seed.to_bytes(32, "big"))
        signed = Account.from_key(key.to_bytes()).sign_transaction(TRANSACTION)
        if signed.v == v:
            return key
    raise AssertionError(f"no key in range signs with v={v}")


@pytest.mark.parametrize("v", [0, 1])
@pytest.mark.parametrize("high_s", [False, True])
def test_the_kms_signature_becomes_the_transaction_the_key_itself_would_sign(v, high_s):
    key = key_with_recovery_id(v)
    signer = KmsSigner("minter", KeyHeldKms(key, high_s=high_s))

    signed = signer.sign_transaction(TRANSACTION)

    expected = Account.from_key(key.to_bytes()).sign_transaction(TRANSACTION)
    assert signer.address == key.public_key.to_checksum_address()
    assert (signed.v, signed.r, signed.s) == (v, expected.r, expected.s)
    assert signed.s <= SECPK1_N // 2
    assert signed.raw_transaction == expected.raw_transaction
    assert signed.hash == expected.hash


def test_a_transaction_from_another_address_is_refused_and_one_from_the_key_is_signed():
    key = PrivateKey(b"\x03" * 32)
    signer = KmsSigner("minter", KeyHeldKms(key))

    with pytest.raises(TypeError, match="not from this key"):
        signer.sign_transaction(TRANSACTION | {"from": to_checksum_address("0x" + "01" * 20)})
    signed = signer.sign_transaction(TRANSACTION | {"from": signer.address})
    assert signed.raw_transaction == Account.from_key(key.to_bytes()).sign_transaction(TRANSACTION).raw_transaction


def test_low_s_folds_only_the_upper_half():
    assert low_s(5, SECPK1_N // 2) == (5, SECPK1_N // 2)
    assert low_s(5, SECPK1_N // 2 + 1) == (5, SECPK1_N - (SECPK1_N // 2 + 1))


def test_a_signature_from_another_key_is_refused():
    signer = KmsSigner("minter", KeyHeldKms(PrivateKey(b"\x01" * 32)))
    signer._kms = KeyHeldKms(PrivateKey(b"\x02" * 32))

    with pytest.raises(ValueError, match="does not recover its own address"):
        signer.sign_transaction(TRANSACTION)


def test_a_key_for_anything_but_signing_is_refused():
    with pytest.raises(MinterMisconfigured, match="usage is ENCRYPT_DECRYPT"):
        KmsSigner("minter", KeyHeldKms(PrivateKey(b"\x01" * 32), usage="ENCRYPT_DECRYPT"))


@pytest.fixture
def kms():
    sign_digests_as_kms_does()
    with mock_aws():
        yield boto3.client("kms", region_name="eu-west-1")


def test_a_moto_secp256k1_key_signs_transactions_that_recover_its_address(kms):
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, kms)

    for nonce in range(8):
        signed = signer.sign_transaction(TRANSACTION | {"nonce": nonce})

        assert Account.recover_transaction(signed.raw_transaction) == signer.address
        assert signed.s <= SECPK1_N // 2


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "RSA_2048"])
def test_a_kms_key_on_another_curve_or_algorithm_is_refused(kms, spec):
    key_id = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]

    with pytest.raises(MinterMisconfigured, match="not a ECC_SECG_P256K1 signing key"):
        KmsSigner(key_id, kms)


def test_the_address_of_a_public_key_is_the_one_eth_keys_derives():
    key = PrivateKey(b"\x07" * 32)
    der = KeyHeldKms(key).get_public_key("k")["PublicKey"]

    assert address_of_public_key(der) == key.public_key.to_checksum_address()
