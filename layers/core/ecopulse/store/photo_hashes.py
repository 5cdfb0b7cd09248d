"""The near-duplicate photo index on the application table (docs/data-model.md, access pattern 23).

One item per band value of a photo's hash variants: ``pk=TENANT#<t>#PHASH#<band>#<value as 4 hex digits>``,
``sk=<photo key>``. A lookup is four Query calls sent together (one round trip's wait), one per band of the
searched hash, each reading only the photos that share that band exactly; the Hamming distance is then computed
here. The tenant is never scanned.
"""

from functools import partial

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from ecopulse.store.at_once import read_at_once
from ecopulse.store.models import _TableMeta, tenant_key
from ecopulse.verification.duplicates import (
    PhotoMatch,
    PhotoRecord,
    band_entries,
    distance_to,
    format_hash,
    hash_bands,
    parse_hash,
)

# A band value shared by this many photos says little (featureless pictures collide); reading more would
# only cost capacity.
PER_BAND_LIMIT = 200


class PhotoHashItem(Model):
    """One band value of one photo, with the photo's variant hashes that have it."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenant = UnicodeAttribute()
    photo_key = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    phash = UnicodeAttribute()
    # pynamodb types the items as the attribute class given in `of`; they load as its values (str).
    variants: ListAttribute[str] = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str, band: int, value: int) -> str:
        return tenant_key(tenant, "PHASH", str(band), f"{value:04x}")


class PhotoHashIndex:
    """``DuplicateIndex`` on DynamoDB."""

    def __init__(self, per_band_limit: int = PER_BAND_LIMIT) -> None:
        self.per_band_limit = per_band_limit

    def find_near(self, tenant: str, phash: int, max_distance: int) -> list[PhotoMatch]:
        nearest: dict[str, PhotoMatch] = {}
        for items in read_at_once(
            PhotoHashItem,
            [partial(self._sharing, tenant, band, value) for band, value in hash_bands(phash)],
        ):
            for item in items:
                distance = distance_to(phash, [parse_hash(variant) for variant in item.variants])
                known = nearest.get(item.photo_key)
                if distance <= max_distance and (known is None or distance < known.distance):
                    nearest[item.photo_key] = PhotoMatch(
                        photo_key=item.photo_key,
                        submission_id=item.submission_id,
                        user_id=item.user_id,
                        phash=parse_hash(item.phash),
                        distance=distance,
                        created_at=item.created_at,
                    )
        return sorted(nearest.values(), key=lambda match: (match.distance, match.created_at))

    def _sharing(self, tenant: str, band: int, value: int) -> list[PhotoHashItem]:
        """The index entries of the photos whose hash has ``value`` in ``band``."""
        partition = PhotoHashItem.partition(tenant, band, value)
        return list(PhotoHashItem.query(partition, limit=self.per_band_limit, consistent_read=True))

    def remember(self, record: PhotoRecord) -> None:
        """Write every entry in one batch; the keys are fixed by the photo, so a retry rewrites the same items."""
        with PhotoHashItem.batch_write() as batch:
            for (band, value), variants in band_entries(record.variants).items():
                batch.save(
                    PhotoHashItem(
                        PhotoHashItem.partition(record.tenant, band, value),
                        record.photo_key,
                        tenant=record.tenant,
                        photo_key=record.photo_key,
                        submission_id=record.submission_id,
                        user_id=record.user_id,
                        phash=format_hash(record.phash),
                        variants=[format_hash(variant) for variant in variants],
                        created_at=record.created_at,
                    )
                )
