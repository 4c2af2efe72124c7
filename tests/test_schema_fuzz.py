"""Schema-driven fuzzing of the whole API (reliability/schema_fuzz.py, schemathesis): every
operation of /api/schema/, with requests that fit the schema and requests that do not, as
anonymous and as staff. No 5xx, and every answer, errors included, is what the schema says.

Bounded to a few examples per operation so that it stays well under a minute; `manage.py bench
--only reliability` runs the same fuzz longer.
"""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from reliability.schema_fuzz import fuzz_api, staff_headers

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # the dashboard_data fixture
EXAMPLES = 5
UNTHROTTLED = {"declarations": "1000000/hour", "expensive_reads": "1000000/hour"}


@pytest.mark.parametrize("staff", [False, True], ids=["anonymous", "staff"])
def test_every_operation_answers_as_its_schema_says(dashboard_data, settings, staff):
    settings.TOWERWATCH_THROTTLE_RATES = UNTHROTTLED
    cache.clear()
    headers = {}
    if staff:
        headers = staff_headers(User.objects.create_user("fuzzer", is_staff=True,
                                                         is_superuser=True))  # fmt: skip
    report = fuzz_api(EXAMPLES, headers)
    assert report.operations >= 40
    assert report.requests >= report.operations * EXAMPLES
    assert report.server_errors == 0
    assert report.failures == [], "\n".join(report.failures)
