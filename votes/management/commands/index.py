"""python manage.py index: index oDAO submissions once, or follow the chain head."""

import sys
import time

from django.core.management.base import CommandError

from diversity.reference.after_index import check_balances
from towerwatch.commandline import TowerwatchCommand, non_negative_int, positive_float
from votes.chain.client import RpcError
from votes.chain.networks import NetworkConfigError, get_network
from votes.indexing.indexer import Indexer, PassReport


class Command(TowerwatchCommand):
    help = "Index every oDAO submission and compute consensus as the contracts do."

    def add_arguments(self, parser):
        parser.add_argument("--network", choices=["devnet", "mainnet"], default=None)
        parser.add_argument("--rpc", help="node URL (default: RPC_URL, or the devnet's)")
        parser.add_argument("--from-block", type=non_negative_int, default=None)
        parser.add_argument("--follow", action="store_true", help="keep following the head")
        parser.add_argument(
            "--interval", type=positive_float, default=12.0, help="seconds between passes"
        )
        parser.add_argument("--confirmations", type=non_negative_int, default=None)
        parser.add_argument(
            "--beacon",
            help="beacon node URL for the balances reference of the rounds indexed "
            "(default: BEACON_URL, or the devnet's own)",
        )

    def handle(self, *args, **options):
        try:
            config = get_network(options["network"], options["rpc"])
        except NetworkConfigError as error:
            raise CommandError(str(error)) from error
        indexer = Indexer(config, confirmations=options["confirmations"],
                          on_progress=self._progress)  # fmt: skip
        from_block = options["from_block"]
        while True:
            try:
                report = indexer.run_pass(from_block=from_block)
            except RpcError as error:
                if not options["follow"]:
                    raise CommandError(f"node error: {error}") from error
                self.stderr.write(f"node error, will retry: {error}")
                time.sleep(options["interval"])
                continue
            self._summary(report)
            self._check_balances(config, report, options["beacon"])
            if not options["follow"]:
                return
            from_block = None
            time.sleep(options["interval"])

    def _check_balances(self, config, report: PassReport, beacon_url: str | None) -> None:
        """The balances reference of the rounds this pass touched (as `reference` computes
        it); a node error here is reported, and the index, already stored, stands."""
        since = report.from_block
        if report.reorg_fork_point is not None:
            since = min(since, report.reorg_fork_point + 1)
        try:
            checked = check_balances(config, since, beacon_url)
        except RpcError as error:
            self.stderr.write(f"balances reference not computed, node error: {error}")
            return
        if checked is not None:
            self.stdout.write(checked.line())

    def _progress(self, report: PassReport) -> None:
        span = max(1, report.head - report.from_block + 1)
        done = report.to_block - report.from_block + 1
        width = 30
        filled = int(width * done / span)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] block {report.to_block} "
                         f"of {report.head}, {report.submissions} submissions")  # fmt: skip
        if report.to_block >= report.target:
            sys.stderr.write("\n")  # the bar is done: later log lines start on their own line
        sys.stderr.flush()

    def _summary(self, report: PassReport) -> None:
        if report.blocks == 0:
            self.stdout.write(f"{report.network}: up to date at block {report.to_block} "
                              f"(head {report.head}), consensus {report.consensus}")  # fmt: skip
            return
        rate = report.blocks / max(report.seconds, 1e-9)
        self.stdout.write(
            f"{report.network}: blocks {report.from_block}-{report.to_block} "
            f"({report.blocks} blocks, {rate:.0f} blocks/s), {report.submissions} submissions, "
            f"{report.bad_logs} undecodable logs, lag {report.lag} blocks, "
            f"consensus {report.consensus}"
            + (f", reorg rolled back to {report.reorg_fork_point}"
               if report.reorg_fork_point is not None else "")
        )  # fmt: skip
