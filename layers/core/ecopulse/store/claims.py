"""The minter's ClaimStore on the application table: one claim item beside its submission, written only
from the version it was read at, so two writers cannot both move a payout."""

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from ecopulse.chain.claims import Claim, ClaimState, Fees, claim_id
from ecopulse.chain.outcome import MintOutcome
from ecopulse.chain.ports import StaleClaim
from ecopulse.store.models import _Item, tenant_key


class ClaimItem(_Item):
    claim_id = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    wallet = UnicodeAttribute()
    amount = UnicodeAttribute()
    state = UnicodeAttribute()
    claim_version = NumberAttribute()
    nonce = NumberAttribute(null=True)
    # pynamodb types the items as the attribute class given in `of`; they load as its values (str).
    tx_hashes: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    max_fee_per_gas = UnicodeAttribute(null=True)
    max_priority_fee_per_gas = UnicodeAttribute(null=True)
    gas_limit = NumberAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    mined_in = UnicodeAttribute(null=True)
    block_number = NumberAttribute(null=True)
    failure = UnicodeAttribute(null=True)

    @staticmethod
    def keys(tenant: str, submission_id: str) -> tuple[str, str]:
        return tenant_key(tenant, "SUBMISSION", submission_id), "CLAIM"


def _item(claim: Claim) -> ClaimItem:
    pk, sk = ClaimItem.keys(claim.tenant, claim.submission_id)
    return ClaimItem(
        pk,
        sk,
        tenant=claim.tenant,
        claim_id=claim.claim_id.hex(),
        submission_id=claim.submission_id,
        wallet=claim.wallet,
        amount=str(claim.amount),
        state=claim.state.value,
        claim_version=claim.version,
        nonce=claim.nonce,
        tx_hashes=list(claim.tx_hashes),
        max_fee_per_gas=str(claim.fees.max_fee_per_gas) if claim.fees else None,
        max_priority_fee_per_gas=str(claim.fees.max_priority_fee_per_gas) if claim.fees else None,
        gas_limit=claim.gas_limit,
        outcome=claim.outcome.value if claim.outcome else None,
        mined_in=claim.mined_in,
        block_number=claim.block_number,
        failure=claim.failure,
    )


def _claim(item: ClaimItem) -> Claim:
    fees = None
    if item.max_fee_per_gas is not None:
        fees = Fees(int(item.max_fee_per_gas), int(item.max_priority_fee_per_gas))
    return Claim(
        claim_id=claim_id(item.submission_id),
        submission_id=item.submission_id,
        tenant=item.tenant,
        wallet=item.wallet,
        amount=int(item.amount),
        state=ClaimState(item.state),
        version=int(item.claim_version),
        nonce=int(item.nonce) if item.nonce is not None else None,
        tx_hashes=tuple(item.tx_hashes or ()),
        fees=fees,
        gas_limit=int(item.gas_limit) if item.gas_limit is not None else None,
        outcome=MintOutcome(item.outcome) if item.outcome else None,
        mined_in=item.mined_in,
        block_number=int(item.block_number) if item.block_number is not None else None,
        failure=item.failure,
    )


class DynamoDBClaimStore:
    def add(self, claim: Claim) -> Claim:
        if claim.state is not ClaimState.PENDING or claim.version != 0:
            raise ValueError("only a new pending claim can be added")
        try:
            _item(claim).save(condition=ClaimItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            stored = self.load(claim.tenant, claim.submission_id)
            if stored is None:
                raise  # the claim that refused the write is gone again: the caller's retry adds it anew
            return stored
        return claim

    def load(self, tenant: str, submission_id: str) -> Claim | None:
        try:
            return _claim(ClaimItem.get(*ClaimItem.keys(tenant, submission_id), consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, claim: Claim) -> None:
        try:
            _item(claim).save(condition=ClaimItem.claim_version == claim.version - 1)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleClaim(f"claim {claim.claim_id.hex()} is not at version {claim.version - 1}") from error
            raise
