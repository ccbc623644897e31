"""Serve a stored file through a view that has already checked who may see it.

Byte ranges are answered, because phone browsers (Safari above all) play sound only from
a server that can send part of a file.
"""

import re

from django.http import FileResponse, Http404, HttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def serve(request, fieldfile, content_type: str, max_age: int):
    if not fieldfile:
        raise Http404
    try:
        size = fieldfile.size
        handle = fieldfile.storage.open(fieldfile.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    match = RANGE.match(request.headers.get("Range", ""))
    if match and any(match.groups()):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        body = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = f"public, max-age={max_age}" if max_age else "private, no-store"
    return response
