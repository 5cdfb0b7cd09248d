"""Request and response shapes shared by several routers."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
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
