from django.contrib import admin

# Register your models here.
from diversity import admin_alerts  # noqa: F401  (channels, rules, alerts, deliveries)
