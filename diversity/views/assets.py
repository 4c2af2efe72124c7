"""plotly.min.js, served from the plotly Python package so the dashboard works offline.

The file ships in plotly/package_data/ (MIT licence, header kept). Serving it from the package
rather than committing a 4.8 MB copy keeps the JavaScript and the Python figure builders at the
same version; the URL names the version (see diversity/urls.py), so browsers may cache it
for a year.
"""

from pathlib import Path

import plotly
from django.http import FileResponse
from django.views.decorators.http import require_safe

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@require_safe
def plotly_js(request):
    response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
