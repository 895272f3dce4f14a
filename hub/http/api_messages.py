"""Photos attached to thread messages: a site uploads one, then sends a message naming it."""

from __future__ import annotations

import asyncio

from aiohttp import BodyPartReader, web

from hub.errors import InvalidInput
from hub.keys import REALTIME, SETTINGS
from hub.messages.photos import PHOTO_FIELD, claimed_type, reencode
from hub.messages.service import PHOTO_MAX_BYTES
from schemas.codes import Role

from .access import CLINICAL_ROLES, allow, principal_of
from .bodies import path_int, unreadable_form

routes = web.RouteTableDef()

_READ_CHUNK = 64 * 1024


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
@allow(Role.CARE_HOME_STAFF, devices=True)
async def upload_photo(request: web.Request) -> web.Response:
    declared, data = await _read_photo(request)
    if not data:
        raise InvalidInput("The photo is empty", field=PHOTO_FIELD)
    content_type = claimed_type(declared, data)
    clean = await asyncio.to_thread(reencode, content_type, data)
    messages = request.app[REALTIME].services.messages
    quota = request.app[SETTINGS].photo_quota_mb_per_site * 1024 * 1024
    photo_id = await messages.add_photo(principal_of(request), content_type, clean, quota=quota)
    return web.json_response({"photo_id": photo_id}, status=201)


@routes.get("/api/photos/{photo_id}")
@allow(*CLINICAL_ROLES, devices=True)
async def photo(request: web.Request) -> web.Response:
    messages = request.app[REALTIME].services.messages
    found = await messages.photo(principal_of(request), path_int(request, "photo_id"))
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        headers={
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": "inline",
        },
    )
