"""Serving a stored upload back: one rule for every app keeping evidence or attachments."""

from django.http import FileResponse


def shows_inline(content_type: str) -> bool:
    """Photos and PDF open in the browser (a phone previews them); Word files download."""
    return content_type.startswith("image/") or content_type == "application/pdf"


def file_response(stored, *, name: str, content_type: str, preview: bool = True) -> FileResponse:
    """The stored file under its original name; `preview=False` always downloads it."""
    return FileResponse(
        stored.open("rb"),
        as_attachment=not (preview and shows_inline(content_type)),
        filename=name,
        content_type=content_type,
    )
