"""One alert per condition that moves along the severity ladder, certainty, grouped deliveries.

Alerts and events gain a certainty (and events the severity before an escalation), channels a
minimum severity and a re-notify interval, and a delivery now holds several events (one message
per channel per evaluation) instead of one. The data follows in 0007; the old one-event column
goes in 0008, once its rows are copied (PostgreSQL does not alter a table in the transaction
that just wrote rows checked by deferred constraints).
"""

from django.db import migrations, models

SEVERITIES = [
    ("info", "Info"),
    ("warning", "Warning"),
    ("critical", "Critical"),
    ("emergency", "Emergency"),
]
CERTAINTIES = [("certain", "Certain"), ("possible", "Possible")]


class Migration(migrations.Migration):
    dependencies = [
        ("diversity", "0005_verdict_unchecked"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="certainty",
            field=models.CharField(choices=CERTAINTIES, default="certain", max_length=16),
        ),
        migrations.AddField(
            model_name="alertevent",
            name="certainty",
            field=models.CharField(choices=CERTAINTIES, default="certain", max_length=16),
        ),
        migrations.AddField(
            model_name="alertevent",
            name="previous_severity",
            field=models.CharField(
                blank=True, choices=SEVERITIES, help_text="before an escalation", max_length=16
            ),
        ),
        migrations.AlterField(
            model_name="alertevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("opened", "Opened"),
                    ("escalated", "Escalated"),
                    ("deescalated", "De-escalated"),
                    ("updated", "Updated"),
                    ("reminder", "Reminder"),
                    ("resolved", "Resolved"),
                    ("test", "Test notification"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="channel",
            name="min_severity",
            field=models.CharField(
                choices=SEVERITIES,
                default="warning",
                help_text="nothing below this reaches the channel, whatever its subscriptions say",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="channel",
            name="renotify_hours",
            field=models.PositiveIntegerField(
                default=24, help_text="remind of an alert still open after this many hours; 0: never"
            ),
        ),
        migrations.RemoveConstraint(model_name="delivery", name="uniq_delivery"),
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="diversity.alertevent",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="events",
            field=models.ManyToManyField(related_name="deliveries", to="diversity.alertevent"),
        ),
        migrations.AddField(
            model_name="delivery",
            name="quiet",
            field=models.BooleanField(default=False),
        ),
    ]
