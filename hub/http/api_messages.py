"""Photos attached to thread messages: a site uploads one, then sends a message naming it."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from hub.errors import InvalidInput
from hub.keys import REALTIME
from hub.messages.service import PHOTO_MAX_BYTES
from schemas.codes import Role

from .access import CLINICAL_ROLES, allow, principal_of
from .bodies import path_int, unreadable_form

routes = web.RouteTableDef()

PHOTO_FIELD = "photo"
_READ_CHUNK = 64 * 1024


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes really are; the declared content type is not trusted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def _read_photo(request: web.Request) -> bytes:
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
            return bytes(data)
    raise InvalidInput("Choose a photo to send", field=PHOTO_FIELD)


@routes.post("/api/photos")
@allow(Role.CARE_HOME_STAFF, devices=True)
async def upload_photo(request: web.Request) -> web.Response:
    data = await _read_photo(request)
    if not data:
        raise InvalidInput("The photo is empty", field=PHOTO_FIELD)
    content_type = sniff_image(data)
    if content_type is None:
        raise InvalidInput("A photo must be JPEG, PNG or WebP", field=PHOTO_FIELD)
    messages = request.app[REALTIME].services.messages
    photo_id = await messages.add_photo(principal_of(request), content_type, data)
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
