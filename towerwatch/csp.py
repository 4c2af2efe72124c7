"""A Content-Security-Policy header on every answer (Django 5.2 has none built in).

The pages need no inline script: scripts are files (Plotly from the plotly package, the chart
loader in static/js/), figures are JSON in non-executable `<script type="application/json">`
blocks, the API docs use the split Swagger view whose set-up script is a file too. Styles are in
static/css/, except two `<style>` elements plotly.js writes and one Swagger UI writes, allowed by
their hashes in the policy (settings.CONTENT_SECURITY_POLICY); the browser test fails if a new
version writes others. Plotly styles its SVG through the CSSOM, which style-src does not govern,
and draws mode bar icons from data: URLs. A view that sets its own policy keeps it.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and HEADER not in response:
            response[HEADER] = settings.CONTENT_SECURITY_POLICY
        return response
