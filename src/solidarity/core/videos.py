"""Uploaded short videos lose their metadata (location, device, creation time) before they are stored.

The container is read from the content, never the name, and must be MP4, QuickTime (MOV) or WebM
with a video stream. The streams are copied into a new container without re-encoding (PyAV, which
bundles FFmpeg: nothing to install): only the video and audio streams, never a data stream (a
phone's GPS track or timed metadata rides in one), no chapters, no attachments, and no tag at all,
neither the container's (the ©xyz location atom, make, model, creation time, title, comment) nor
a stream's (handler names, a vendor id). The muxer runs bit-exact, so it adds no encoder string
or time of its own. Nothing is decoded: the frames pass as they came, so the check is cheap and
a crafted frame never reaches a decoder here.

What stays: the pictures and the sound, their codecs' own parameters, and the rotation a phone
records as stream side data (the video still stands the right way up).
"""

import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 25 * 1024 * 1024
# FFmpeg's demuxer name -> what comes out: the muxer, the extension, the content type.
MP4 = ("mp4", "mp4", "video/mp4")
MOV = ("mov", "mov", "video/quicktime")
WEBM = ("webm", "webm", "video/webm")
DEMUXERS = {"mov,mp4,m4a,3gp,3g2,mj2": MP4, "matroska,webm": WEBM}
QUICKTIME_BRAND = "qt"
COPIED = ("video", "audio")


@dataclass(frozen=True)
class CleanVideo:
    content: bytes
    extension: str
    content_type: str


def unreadable() -> ValidationError:
    return ValidationError(
        _("This file is not a video we can read: send an MP4, MOV or WebM video."), code="unreadable"
    )


def clean_video(data: bytes) -> CleanVideo:
    """Validate an upload by its content and return its streams in a new container, without any metadata."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The video is too large (%(limit)s MB at most)."),
            code="too_large",
            params={"limit": MAX_BYTES // (1024 * 1024)},
        )
    import av  # here, not at the top: FFmpeg costs every process some 17 MB, and few ever see a video

    try:
        return remux(data)
    except (av.FFmpegError, ValueError, TypeError, OSError):
        raise unreadable() from None


def remux(data: bytes) -> CleanVideo:
    import av  # see clean_video

    with av.open(io.BytesIO(data), mode="r") as source:
        kind = DEMUXERS.get(source.format.name)
        if kind is None or not source.streams.video:
            raise unreadable()
        if kind == MP4 and str(source.metadata.get("major_brand", "")).strip() == QUICKTIME_BRAND:
            kind = MOV  # QuickTime keeps its own container: the mp4 muxer refuses some of its codecs
        muxer, extension, content_type = kind
        streams = [stream for stream in source.streams if stream.type in COPIED]
        buffer = io.BytesIO()
        with av.open(buffer, mode="w", format=muxer, options={"fflags": "+bitexact"}) as target:
            target.metadata.clear()
            copies: dict[int, Any] = {}
            for stream in streams:
                copy = target.add_stream_from_template(stream)
                copy.metadata.clear()
                copies[stream.index] = copy
            for packet in source.demux(*streams):
                if packet.dts is None:  # the demuxer's flush packet
                    continue
                packet.stream = copies[packet.stream.index]
                target.mux(packet)
    return CleanVideo(buffer.getvalue(), extension, content_type)
