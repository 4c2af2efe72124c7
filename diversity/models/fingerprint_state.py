"""What a network's stored assignments were computed from, so that a refresh recomputes only
the points whose inputs changed (diversity/fingerprint/refresh.py).

One row per network, written in the same transaction as the assignments it describes: a
refresh rolled back takes its record with it, so the record never claims rows that are not
there.
"""

from django.db import models

__all__ = ["FingerprintState"]


class FingerprintState(models.Model):
    """The digests of the inputs the stored assignments rest on (diversity/fingerprint/inputs.py)
    and the size of what was written, to notice rows that another writer changed."""

    network = models.CharField(max_length=32, unique=True)
    basis = models.CharField(
        max_length=64, blank=True, help_text="digest of what every point depends on"
    )
    catalogue = models.CharField(
        max_length=64, blank=True, help_text="digest of the implementations and releases"
    )
    days = models.JSONField(default=dict, help_text="{UTC day: digest of that day's inputs}")
    assignments = models.IntegerField(default=0, help_text="the network's rows after the write")
    last_assignment_id = models.BigIntegerField(null=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"fingerprint state of {self.network}"
