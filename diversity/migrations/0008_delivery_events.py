"""A delivery's events are in `Delivery.events` (copied by 0007): the one-event column goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("diversity", "0007_alert_ladder_data"),
    ]

    operations = [
        migrations.RemoveField(model_name="delivery", name="event"),
    ]
