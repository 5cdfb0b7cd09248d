"""The impact-credit ports, injected. The chain adapter needs web3 and the certificate fpdf2, which only the
impact function's layers carry: they are imported when first provided, so that the system function, which
documents every route, loads this module without them."""

from functools import cache
from typing import Annotated

from fastapi import Depends

from ecopulse.config import deployment
from ecopulse.impact import Certificates, ImpactStore, Retirements
from ecopulse.store.impact import ImpactRepository

RECEIPT_SECONDS = 20
"""Well inside the function's 29 s (the HTTP API's limit): a retirement not mined by then is read back on retry."""


@cache
def impact_store() -> ImpactStore:
    return ImpactRepository()


@cache
def retirements() -> Retirements:
    """The deployment's registry, signed for by the retirer's KMS key (read on first use: it needs the network)."""
    from ecopulse.chain.kms_signer import KmsSigner
    from ecopulse.chain.registry import Web3Retirements

    config = deployment()
    return Web3Retirements(
        config.chain_rpc_url,
        config.chain_id,
        config.impact_registry_address,
        KmsSigner(config.retirer_key_id),
        finality=config.chain_finality,
        min_priority_fee=config.chain_min_priority_fee_wei,
        receipt_timeout=RECEIPT_SECONDS,
    )


@cache
def certificates() -> Certificates:
    from ecopulse.certificates import PdfCertificates

    config = deployment()
    return PdfCertificates(config.impact_registry_address, config.chain_id)


ImpactStoreDep = Annotated[ImpactStore, Depends(impact_store)]
RetirementsDep = Annotated[Retirements, Depends(retirements)]
CertificatesDep = Annotated[Certificates, Depends(certificates)]
