"""Alerts: rules find conditions, the lifecycle turns them into alerts and events, transports
send the events to channels, and delivery makes sure each send happens and is recorded.

rules.py, vote_rules.py  the conditions, with thresholds (defaults there, overrides in admin)
situation.py             what the rules look at (shares, chain head, ...) at one moment
sources.py               who runs what, from the fingerprinting module
lifecycle.py             open / update / resolve, deduplication and flap damping
delivery.py              the outbox, retries, backoff, redispatch
transports.py            email, Discord, signed JSON webhook
urlsafety.py             webhook URL checks (SSRF) and masking
"""
