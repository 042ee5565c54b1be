"""Media as a phone makes them: a JPEG with its GPS location and camera in EXIF, a short video with its location,
device and creation time in the container's tags. Built in the test, fictional (the coordinates are a park's)."""

import io

import av
from av import VideoFrame
from PIL import Image

# What must never survive the stripping: each is searched for in what is stored.
CAMERA_MAKE = "CanaryCam-7f3a"
CAMERA_MODEL = "Model-Leak-91"
LATITUDE = "+35.9940"  # as the ©xyz atom writes it
LOCATION = "+35.9940-078.8986/"
GPS = {1: "N", 2: (35.0, 59.0, 38.4), 3: "W", 4: (78.0, 53.0, 54.96)}  # EXIF GPS IFD: 35°59'38.4"N 78°53'54.96"W


def photo_with_gps(colour: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A small JPEG carrying its location (GPS IFD) and the camera's make and model."""
    image = Image.new("RGB", (40, 30), colour)
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE  # Make
    exif[0x0110] = CAMERA_MODEL  # Model
    exif[0x8825] = GPS  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def video_with_metadata(container: str = "mov") -> bytes:
    """A one-second 32x32 video whose container names its location, device and creation time."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        out.metadata.update(
            {
                "location": LOCATION,
                "make": CAMERA_MAKE,
                "model": CAMERA_MODEL,
                "creation_time": "2024-03-09T17:42:05Z",
            }
        )
        stream = out.add_stream("libvpx" if container == "webm" else "mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for index in range(5):
            frame = VideoFrame(32, 32, "yuv420p")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()
