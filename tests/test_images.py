"""Uploaded photos keep their pixels and lose their metadata (GPS above all)."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, PngImagePlugin

from solidarity.core.images import clean_image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"  # camera make
    exif[ORIENTATION] = 6  # rotated: the cleaned image must be turned upright
    exif[GPS_IFD] = {1: "N", 2: (35.0, 46.0, 48.0), 3: "W", 4: (78.0, 38.0, 18.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"taken at 12 Canary Street")
    return buffer.getvalue()


def png_with_text() -> bytes:
    image = Image.new("RGBA", (16, 16), (0, 0, 255, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "35.78, -78.64 Canary Street")
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (35.0, 46.0, 48.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def test_a_jpeg_loses_its_gps_and_comments_but_stays_upright() -> None:
    original = jpeg_with_gps()
    assert b"CanaryCam" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    cleaned = clean_image(original)

    stored = cleaned.content.read()
    assert b"CanaryCam" not in stored
    assert b"Canary Street" not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert "exif" not in image.info
    assert "comment" not in image.info
    assert (cleaned.width, cleaned.height) == (20, 40)  # turned by its orientation, then the tag dropped
    assert cleaned.content_type == "image/jpeg"


def test_a_png_loses_its_text_chunks_and_exif() -> None:
    cleaned = clean_image(png_with_text())
    stored = cleaned.content.read()
    assert b"Canary Street" not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert set(image.info) <= {"dpi", "gamma", "transparency"}
    assert image.mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, "unreadable"),
        (b"%PDF-1.7 not an image", "unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "unreadable"),
        (b"\xff" * (10 * 1024 * 1024 + 1), "too_large"),
    ],
)
def test_files_are_judged_by_content_not_name(data: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_image(data)
    assert refused.value.code == code


def test_a_gif_is_refused_as_a_type_we_do_not_take() -> None:
    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, format="GIF")
    with pytest.raises(ValidationError) as refused:
        clean_image(buffer.getvalue())
    assert refused.value.code == "bad_type"
