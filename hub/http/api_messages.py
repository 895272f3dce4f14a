"""Photos attached to thread messages: a site uploads one, then sends a message naming it."""

from __future__ import annotations

import asyncio

from aiohttp import BodyPartReader, web

from hub.errors import InvalidInput
from hub.keys import SETTINGS
from hub.messages.photos import PHOTO_FIELD, claimed_type, reencode
from hub.messages.service import PHOTO_MAX_BYTES
from hub.services import SERVICES
from schemas.api import PhotoUploaded, RowId
from schemas.codes import Role
from schemas.errors import ErrorBody

from .access import CLINICAL_ROLES, allow, principal_of
from .bodies import unreadable_form
from .contract import BINARY, Content, Reply, api

routes = web.RouteTableDef()

_READ_CHUNK = 64 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


async def _read_photo(request: web.Request) -> tuple[str | None, bytes]:
    """The photo part's declared type and its bytes."""
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("Send the photo as multipart/form-data", field=PHOTO_FIELD)
    with unreadable_form():
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name != PHOTO_FIELD:
                continue
            data = bytearray()
            while chunk := await part.read_chunk(_READ_CHUNK):
                data.extend(chunk)
                if len(data) > PHOTO_MAX_BYTES:
                    raise InvalidInput("A photo must be 5 MB or smaller", field=PHOTO_FIELD)
            return part.headers.get("Content-Type"), bytes(data)
    raise InvalidInput("Choose a photo to send", field=PHOTO_FIELD)


@routes.post("/api/photos")
@allow(Role.CARE_HOME_STAFF, Role.PRISON_STAFF, devices=True)
@api(
    "Upload a photo to send in a message (JPEG, PNG or WebP, 5 MB at most)",
    tag="messages",
    status=201,
    rules="the photo must decode as the JPEG, PNG or WebP image it claims to be",
    replies=(
        Reply(
            409,
            "The site's photos have used their storage quota (HUB_PHOTO_QUOTA_MB_PER_SITE):"
            " nothing was stored; the hub makes room before more are sent",
            ErrorBody,
        ),
    ),
    upload=Content(
        "multipart/form-data",
        {
            "type": "object",
            "properties": {PHOTO_FIELD: BINARY},
            "required": [PHOTO_FIELD],
        },
    ),
)
async def upload_photo(request: web.Request) -> PhotoUploaded:
    declared, data = await _read_photo(request)
    if not data:
        raise InvalidInput("The photo is empty", field=PHOTO_FIELD)
    content_type = claimed_type(declared, data)
    clean = await asyncio.to_thread(reencode, content_type, data)
    messages = request.app[SERVICES].messages
    quota = request.app[SETTINGS].photo_quota_mb_per_site * 1024 * 1024
    photo_id = await messages.add_photo(principal_of(request), content_type, clean, quota=quota)
    return PhotoUploaded(photo_id=photo_id)


@routes.get("/api/photos/{photo_id}")
@allow(*CLINICAL_ROLES, devices=True)
@api(
    "A photo sent in a message",
    tag="messages",
    replies=(Reply(200, "The image", contents=tuple(Content(t, BINARY) for t in IMAGE_TYPES)),),
)
async def photo(request: web.Request, photo_id: RowId) -> web.Response:
    messages = request.app[SERVICES].messages
    found = await messages.photo(principal_of(request), photo_id)
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        headers={
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": "inline",
        },
    )
