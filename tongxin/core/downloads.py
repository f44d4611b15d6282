"""Stored files with personal data, answered to the browser."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file_response(file: FieldFile) -> FileResponse:
    """A stored photo shown inline; a stored file of any other type as a download.

    404 when the file is missing from storage. Personal information: kept by
    no shared cache, nor on a shared office PC's disk.
    """
    try:
        response = FileResponse(file.open("rb"))
    except FileNotFoundError:
        raise Http404 from None
    response.headers["Cache-Control"] = "private, no-store"
    if not response.headers["Content-Type"].startswith("image/"):
        response.headers["Content-Type"] = "application/octet-stream"
        response.headers["Content-Disposition"] = "attachment"
    return response
