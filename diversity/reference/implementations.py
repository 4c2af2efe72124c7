"""Which implementation a member ran at a moment, for naming disagreements.

Reads the assignments the fingerprinting module keeps (declared first, inferred otherwise);
an empty string means towerwatch does not know.
"""

from datetime import datetime


def implementation_at(member_address: str, kind: str, at: datetime) -> str:
    from diversity.fingerprint.assignments import implementation_at as assigned

    return assigned(member_address, kind, at) or ""
