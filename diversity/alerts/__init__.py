"""Alerts: the whole feature in one folder, its imports going only downward.

Domain (nothing here imports a Django adapter):
  situation.py             what the rules look at (shares, chain head, ...) at one moment
  urlsafety.py             webhook URL checks (SSRF) and masking
  models.py                Alert, AlertEvent, Channel, Subscription, Delivery, ... (the nouns)
  rules.py, vote_rules.py  the conditions, with thresholds (defaults there, overrides in admin)
  sources.py               builds a Situation from the node, the index and fingerprinting
  outbox.py                who hears which change: one delivery per channel per evaluation
  lifecycle.py             one alert per condition: open, move along the ladder, resolve
  rendering.py             what a delivery says (templates/alerts/notify/)
  transports.py            email, Discord, signed JSON webhook
  delivery.py              sending a delivery: claims, retries, backoff
Adapters (on top; the domain is handed what it needs, e.g. `queue` for Celery):
  tasks.py                 Celery: evaluate, send, re-queue what is overdue
  api.py, admin.py         REST API (registered by diversity/api.py), admin (by diversity/admin.py)
  views.py, urls.py        the /alerts/ pages
"""
