"""Sessions in the database, with session keys checked before they reach it.

Django accepts any cookie value of eight characters or more as a session key and looks it up;
a key holding a NUL byte makes PostgreSQL raise, so a forged cookie answered 500 on every page.
Keys Django makes are lowercase letters and digits: anything else is simply no session.
"""

from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
