"""Uploaded images lose every piece of metadata (EXIF GPS, XMP, IPTC, comments) before they are stored.

The type is read from the content, never the name; the image is decoded and re-encoded
from its pixels alone, so nothing but the picture survives. Orientation is applied to
the pixels first, so a photo still stands the right way up without its EXIF tag.
"""

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where an upload is read, not here: every process loads this module (the models' files
# use it), and Pillow would cost each some 3.5 MB for the few requests that carry a photo.

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # beyond this, a small file may be a decompression bomb
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile[bytes]
    extension: str
    content_type: str
    width: int
    height: int


def clean_image(data: bytes) -> CleanImage:
    """Validate an upload by its content and return it re-encoded without metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # see the imports

    if len(data) > MAX_BYTES:
        raise ValidationError(_("The image is too large (10 MB at most)."), code="too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            probe.verify()
        if kind not in FORMATS:
            raise ValidationError(_("Send a photo as JPEG, PNG or WebP."), code="bad_type")
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The image is too large (10 MB at most)."), code="too_large")
            upright = ImageOps.exif_transpose(image)
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not an image we can read."), code="unreadable") from None
    return encode(pixels, kind)


def encode(pixels: "Image.Image", kind: str) -> CleanImage:
    if kind == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    buffer = io.BytesIO()
    # No exif=, no icc_profile=, no pnginfo=: the new file carries the pixels only.
    options = {"quality": 85, "optimize": True} if kind in ("JPEG", "WEBP") else {"optimize": True}
    pixels.save(buffer, format=kind, **options)
    extension, content_type = FORMATS[kind]
    return CleanImage(ContentFile(buffer.getvalue()), extension, content_type, pixels.width, pixels.height)
