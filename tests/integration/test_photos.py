"""Photos are re-encoded by Pillow before they are kept: no EXIF (so no GPS position of the
home), no text chunks or trailing bytes; what does not decode as the type it claims is a
typed 422; and each site has a storage quota."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image, PngImagePlugin

from hub.app import create_app
from hub.settings import HubSettings
from support.hub import HubServer
from support.world import World, sign_in

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show rotated 90 degrees
    exif[0x010F] = "CareCam"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Mrs Greenwood, left heel")
    return out.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Mrs Greenwood 9434765919")
    out = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 90, 180, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


async def _upload(client: TestClient, data: bytes, content_type: str) -> Any:
    form = FormData()
    form.add_field("photo", data, filename="photo", content_type=content_type)
    return await client.post("/api/photos", data=form)


async def _stored(client: TestClient, response: Any) -> bytes:
    """The photo as the hub now serves it (the home's own staff may read it back)."""
    assert response.status == 201, await response.text()
    fetched = await client.get(f"/api/photos/{(await response.json())['photo_id']}")
    assert fetched.status == 200
    return await fetched.read()


async def test_exif_and_its_location_are_dropped_and_the_orientation_kept(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.home_a.staff.username)
    stored = await _stored(
        client, await _upload(client, _jpeg_with_gps_and_rotation(), "image/jpeg")
    )
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
        assert image.size == (20, 40)  # turned as the camera meant, then the tag dropped
        assert "comment" not in image.info and "exif" not in image.info
    assert b"CareCam" not in stored and b"Greenwood" not in stored


async def test_text_chunks_and_trailing_bytes_are_dropped(client: TestClient, world: World) -> None:
    await sign_in(client, world.home_a.staff.username)
    stored = await _stored(client, await _upload(client, _png_with_text(), "image/png"))
    assert b"Greenwood" not in stored and b"9434765919" not in stored
    polyglot = _png_with_text() + b"<script>alert(1)</script>"
    again = await _stored(client, await _upload(client, polyglot, "image/png"))
    assert b"<script>" not in again


@pytest.mark.parametrize(
    ("data", "claimed", "message"),
    [
        (b"<html><body>not a picture</body></html>", "image/png", "not a readable PNG"),
        (_png_with_text(), "image/jpeg", "not a readable JPEG"),  # a PNG claiming to be JPEG
        (_jpeg_with_gps_and_rotation()[:200], "image/jpeg", "not a readable JPEG"),  # cut short
        (b"RIFF\x00\x00\x00\x00WEBPVP8 garbage", "application/octet-stream", "not a readable WebP"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif", "JPEG, PNG or WebP"),
    ],
    ids=["html", "png-as-jpeg", "truncated", "bad-webp", "gif"],
)
async def test_what_does_not_decode_as_it_claims_is_a_typed_422(
    client: TestClient, world: World, data: bytes, claimed: str, message: str
) -> None:
    await sign_in(client, world.home_a.staff.username)
    response = await _upload(client, data, claimed)
    assert response.status == 422, await response.text()
    body = await response.json()
    assert body["field"] == "photo" and message in body["message"], body


async def test_a_site_past_its_photo_quota_is_refused(settings: HubSettings, world: World) -> None:
    small = settings.model_copy(update={"photo_quota_mb_per_site": 1})
    noise = io.BytesIO()
    Image.frombytes("RGB", (500, 500), os.urandom(500 * 500 * 3)).save(noise, "PNG")
    assert 0.6 * 1024 * 1024 < len(noise.getvalue()) < 1024 * 1024  # two will not fit
    async with TestClient(HubServer(create_app(small))) as client:
        await sign_in(client, world.home_a.staff.username)
        assert (await _upload(client, noise.getvalue(), "image/png")).status == 201
        refused = await _upload(client, noise.getvalue(), "image/png")
        assert refused.status == 409
        body = await refused.json()
        assert body["field"] == "photo" and "1 MB" in body["message"]
        other = TestClient(client.server)
        await other.start_server()
        try:  # another site's quota is its own
            await sign_in(other, world.home_b.staff.username)
            assert (await _upload(other, noise.getvalue(), "image/png")).status == 201
        finally:
            await other.close()
