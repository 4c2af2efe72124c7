"""Error pages: under /api/ a 404 is JSON like every other API answer, elsewhere HTML.

DRF answers its own 404s in JSON, but a path the resolver cannot match at all (an id holding a
dot or a slash) never reaches DRF, and Django's HTML page would break a client that parses JSON.
"""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
