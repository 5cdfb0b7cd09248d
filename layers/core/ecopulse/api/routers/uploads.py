"""Presigned uploads: the only way a photo enters the system, pinned to the caller's own key."""

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel

from ecopulse.api.auth import ACTIVE, CitizenOrAdminDep
from ecopulse.api.dependencies import UploadFormsDep
from ecopulse.api.errors import ERROR_RESPONSES
from ecopulse.api.schemas import UploadForm
from ecopulse.config import deployment
from ecopulse.uploads import REPORT_PHOTO, ImageType, UploadForms, UploadKey

router = APIRouter(tags=["uploads"], responses=ERROR_RESPONSES)


class UploadRequest(BaseModel):
    content_type: ImageType


def upload_form(forms: UploadForms, key: UploadKey, content_type: str) -> UploadForm:
    """The form for one photo under the deployment's size and time limits."""
    object_key = key.object_key(content_type)
    limits = deployment()
    form = forms.presigned_post(
        limits.uploads_bucket, object_key, content_type, limits.max_upload_bytes, limits.upload_expiry_seconds
    )
    return UploadForm(
        key=object_key,
        url=form["url"],
        fields=form["fields"],
        expires_in=limits.upload_expiry_seconds,
        max_bytes=limits.max_upload_bytes,
    )


@router.post("/uploads", status_code=status.HTTP_201_CREATED, response_model=UploadForm, dependencies=[ACTIVE])
def create_upload(body: UploadRequest, caller: CitizenOrAdminDep, forms: UploadFormsDep) -> UploadForm:
    """A form for one report photo; put the returned `key` in the report's `photo_keys`."""
    key = UploadKey(caller.tenant, caller.user_id, str(uuid.uuid4()), REPORT_PHOTO)
    return upload_form(forms, key, body.content_type.value)
