"""Requests no view should see, refused at the door: bodies over `DATA_UPLOAD_MAX_MEMORY_SIZE`
(413) and NUL bytes anywhere in the path, the query string or the body (400).

PostgreSQL cannot store or compare text holding NUL (0x00): such a value, from a URL or a form,
raised a DataError (a 500) wherever a view put it into a query. No value towerwatch accepts
ever holds one. Reading the body here also holds every POST, DRF's included, to the size limit
(DRF reads the raw stream, which Django does not limit). Answers are JSON, which the API's
clients parse and a person reads.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

NUL_BYTES = (b"\x00", b"\\u0000", b"%00")  # raw, JSON-escaped, form-encoded


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refusal = refuse(request)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            refusal = (413, f"The request body is over the limit of {limit} bytes.")
        if refusal:
            return JsonResponse({"detail": refusal[1]}, status=refusal[0])
        return self.get_response(request)


def refuse(request) -> tuple[int, str] | None:
    nul = (400, "NUL bytes (0x00) are not allowed in a request.")
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return nul
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    body = request.body
    return nul if any(marker in body for marker in NUL_BYTES) else None
