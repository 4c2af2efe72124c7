"""`manage.py alerts`: evaluate the alert rules now and/or send the deliveries that are due.

With neither --evaluate nor --deliver it does both. Delivery here runs in this process, without
Celery: useful when no worker runs, and to flush what waited while Redis was down.
"""

from django.core.management.base import CommandError

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import evaluate
from diversity.alerts.models import Channel
from diversity.alerts.outbox import send_test
from diversity.alerts.sources import current_situation
from towerwatch.commandline import TowerwatchCommand, positive_int


class Command(TowerwatchCommand):
    help = "Evaluate the alert rules now and/or deliver pending notifications."

    def add_arguments(self, parser):
        parser.add_argument("--evaluate", action="store_true", help="evaluate the rules now")
        parser.add_argument("--deliver", action="store_true", help="send due deliveries now")
        parser.add_argument("--network", help="devnet or mainnet (default: settings)")
        parser.add_argument(
            "--test-channel",
            type=positive_int,
            metavar="ID",
            help="queue a test notification to this channel first",
        )

    def handle(self, *args, **options):
        both = not options["evaluate"] and not options["deliver"]
        if options["test_channel"] is not None:
            channel = Channel.objects.filter(pk=options["test_channel"]).first()
            if channel is None:
                raise CommandError(f"no channel {options['test_channel']}")
            send_test(channel)
            self.stdout.write(f"queued a test notification to {channel}")
        if options["evaluate"] or both:
            situation = current_situation(options["network"])
            if situation.head is None:
                self.stderr.write(f"node: {situation.head_error}")
            events = evaluate(situation)
            for event in events:
                self.stdout.write(f"{event.kind:>8} {event.severity:<9} {event.title}")
            self.stdout.write(f"evaluated {situation.network}: {len(events)} change(s)")
        if options["deliver"] or both:
            counts = deliver_due()
            self.stdout.write(f"deliveries: {counts or 'none due'}")
