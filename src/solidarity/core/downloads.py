"""A file a page hands over (a PDF, a calendar, a contact card): its type, and whether the browser shows it
or saves it, written in one place."""

from django.http import HttpResponse

CALENDAR = "text/calendar; charset=utf-8"
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"
VCARD = "text/vcard; charset=utf-8"


def file_response(content: bytes | str, content_type: str, filename: str, *, attachment: bool = False) -> HttpResponse:
    """`content` as `filename`: shown in the browser (inline), or saved (`attachment`). The filename is ours,
    never a person's data."""
    answer = HttpResponse(content, content_type=content_type)
    answer["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    return answer
