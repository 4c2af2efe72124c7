"""python manage.py reference: compute the reference verdict of every indexed round."""

import json

from django.core.management.base import CommandError

from diversity.reference.implementations import implementation_lookup
from diversity.reference.setup import compute_verdicts
from towerwatch.commandline import TowerwatchCommand, non_negative_int
from votes.chain.client import RpcError
from votes.chain.networks import NetworkConfigError, get_network


class Command(TowerwatchCommand):
    help = "Check every round against towerwatch's own reference computation."

    def add_arguments(self, parser):
        parser.add_argument("--network", choices=["devnet", "mainnet"], default=None)
        parser.add_argument("--rpc", help="node URL (default: RPC_URL, or the devnet's)")
        parser.add_argument("--since-block", type=non_negative_int, default=None)
        parser.add_argument(
            "--beacon", help="beacon node URL (default: BEACON_URL, or the devnet's own)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            config = get_network(options["network"], options["rpc"])
            stats = compute_verdicts(config, implementation_lookup(config.name),
                                     options["since_block"], options["beacon"])  # fmt: skip
        except (NetworkConfigError, RpcError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(stats))
        else:
            for outcome, count in sorted(stats.items()):
                self.stdout.write(f"{outcome}: {count} rounds")
