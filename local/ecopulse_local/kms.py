"""KMS ``Sign`` with ``MessageType=DIGEST`` as AWS does it, on moto.

moto 5.2 reads MessageType and ignores it: a DIGEST message is hashed again before signing, so the signature
is over sha256(digest) and recovers nobody's address (getmoto/moto#10202, open). The minter signs Keccak
digests that way, so the emulator's answer is corrected: moto still validates the request (key state, usage,
algorithm) and builds the response; only the signature is redone over the digest itself.
"""

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from moto.kms.responses import KmsResponse
from moto.kms.utils import ECDSAPrivateKey

_DIGEST_HASHES = {"ECDSA_SHA_256": hashes.SHA256(), "ECDSA_SHA_384": hashes.SHA384(), "ECDSA_SHA_512": hashes.SHA512()}


def sign_digests_as_kms_does() -> None:
    """Patches moto's KMS Sign in this process (the emulator's server or ``mock_aws``); safe to call twice."""
    if getattr(KmsResponse.sign, "signs_digests", False):
        return
    moto_sign = KmsResponse.sign

    def sign(self: KmsResponse) -> str:
        answer: dict[str, Any] = json.loads(moto_sign(self))
        algorithm = answer["SigningAlgorithm"]
        private_key = self.kms_backend.describe_key(self._get_param("KeyId")).private_key
        if self._get_param("MessageType") == "DIGEST" and isinstance(private_key, ECDSAPrivateKey):
            digest = self._get_param("Message")
            signature = private_key.private_key.sign(digest, ec.ECDSA(Prehashed(_DIGEST_HASHES[algorithm])))
            answer["Signature"] = base64.b64encode(signature).decode()
        return json.dumps(answer)

    sign.signs_digests = True  # type: ignore[attr-defined]
    KmsResponse.sign = sign  # type: ignore[method-assign]
