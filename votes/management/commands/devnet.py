"""python manage.py devnet: start anvil, deploy the oDAO contracts, print where, and wait."""

import signal
import threading

from towerwatch.commandline import TowerwatchCommand, positive_int
from votes.devnet.session import open_devnet


class Command(TowerwatchCommand):
    help = "Start a local anvil devnet with the oDAO contracts deployed; runs until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--reward-interval-days", type=positive_int, default=7)

    def handle(self, *args, **options):
        stop = threading.Event()
        # Both handled explicitly: a process started in the background inherits SIGINT ignored,
        # and Python then never turns it into KeyboardInterrupt.
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: stop.set())
        with open_devnet(reward_interval_days=options["reward_interval_days"]) as (chain, dep):
            chain.release()
            self.stdout.write(f"RPC URL: {dep.rpc_url}")
            self.stdout.write(f"RocketStorage: {dep.rocket_storage}")
            self.stdout.write("Devnet running; Ctrl-C to stop.")
            self.stdout.flush()
            stop.wait()
