"""A photo as the hub keeps it: decoded and written again by Pillow, so what is stored is
only pixels. EXIF (the camera, the time, the GPS position of the care home), XMP, comments
and anything hidden after the image data are dropped; the orientation EXIF carried is
applied to the pixels first, so the photo still shows the right way up. Bytes that do not
decode as the type they claim to be are refused."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from hub.errors import InvalidInput

PHOTO_FIELD = "photo"
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; beyond this decoding is a memory lever
MAX_SIDE = 4096  # larger photos are scaled down to this on their long side


def claimed_type(declared: str | None, data: bytes) -> str:
    """The type the upload claims: its part's Content-Type when that names an image type
    the hub takes, else what its first bytes say."""
    if declared in FORMATS:
        return declared
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput("A photo must be JPEG, PNG or WebP", field=PHOTO_FIELD)


def reencode(content_type: str, data: bytes) -> bytes:
    """``data`` decoded strictly as ``content_type`` and encoded again without metadata.
    CPU-bound: call it off the event loop."""
    fmt = FORMATS[content_type]
    refused = InvalidInput(f"The photo is not a readable {NAMES[content_type]}", field=PHOTO_FIELD)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise InvalidInput("A photo must be 40 megapixels or fewer", field=PHOTO_FIELD)
                opened.load()  # the whole image: a truncated one fails here
                image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refused from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput("A photo must be 40 megapixels or fewer", field=PHOTO_FIELD) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image.info = {}  # no comment, text chunk, ICC profile or EXIF is carried over
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue()
