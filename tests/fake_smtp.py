"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that plays a mail relay.

It answers DATA with the scripted replies, then 250, and keeps the envelopes it accepted; the
`smtp` fixture of a test starts one and points Django's SMTP backend at it.
"""

import socket


class Inbox:
    """An SMTP handler: answers DATA with the scripted replies, then 250, and keeps what it
    accepted."""

    def __init__(self, replies=()):
        self.replies = list(replies)
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.accepted.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(settings, started: list, replies=()) -> Inbox:
    """Start a local SMTP server (stopped by the caller through `started`) and point Django's
    SMTP backend at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(replies)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    started.append(controller)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    return inbox
