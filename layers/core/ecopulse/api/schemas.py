"""Request and response shapes shared by several routers."""

from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, BaseModel, Field


def rounded(digits: int) -> AfterValidator:
    """Nothing we measure is finer than this, and DynamoDB stores no number nearer zero than 1e-130."""
    return AfterValidator(lambda value: round(value, digits))


# Numbers in a JSON body are JSON numbers: `true` or "31.5" is no number (pydantic would read them as 1.0 and
# 31.5), an integer is taken where a float is asked for, and infinities and NaN are refused.
STRICT_NUMBER = {"strict": True, "allow_inf_nan": False}
# Seven decimals of a degree are about a centimetre.
Latitude = Annotated[float, Field(ge=-90, le=90, **STRICT_NUMBER), rounded(7)]
Longitude = Annotated[float, Field(ge=-180, le=180, **STRICT_NUMBER), rounded(7)]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]


class PageOf[T](BaseModel):
    items: list[T]
    cursor: str | None = Field(default=None, description="Pass back as `cursor` for the next page.")


class UploadForm(BaseModel):
    """A presigned POST: send the file as multipart form data with these fields to this URL."""

    key: str
    url: str
    fields: dict[str, str]
    expires_in: int
    max_bytes: int
