"""python manage.py fingerprint [--evaluate] [--json]: who runs what, and the shares.

Without --evaluate: recompute every member's assignments (declared or inferred, with confidence
and flags) over the indexed history and print the current shares with their bounds.
With --evaluate: leave-one-member-out evaluation against the simulator's ground truth
(`simulate` writes it), in a transaction that is rolled back; prints accuracy, the confusion
matrix and the calibration.
"""

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from diversity.fingerprint.assignments import WINDOWS
from diversity.fingerprint.evaluate import Evaluation, evaluate
from diversity.fingerprint.refresh import refresh_assignments
from diversity.fingerprint.shares import ShareBook
from diversity.models import Assignment, Kind
from towerwatch.commandline import TowerwatchCommand, fraction, positive_float


class Command(TowerwatchCommand):
    help = "Update who runs which implementation and print the shares (or --evaluate)."

    def add_arguments(self, parser):
        parser.add_argument("--network", default=None, help="default: settings NETWORK")
        add = parser.add_argument
        add("--evaluate", action="store_true", help="leave-one-member-out against the truth")
        add("--json", action="store_true", help="print JSON")
        add("--truth", type=Path, help="simulator ground truth (default: var/simulation.json)")
        add("--declare-fraction", type=fraction, default=0.5, help="who declares, in --evaluate")
        add("--window-days", type=positive_float, default=WINDOWS[Kind.WATCHTOWER].days)
        add("--treegen-window-days", type=positive_float, default=WINDOWS[Kind.TREEGEN].days)

    def handle(self, *args, **options):
        network = options["network"] or settings.TOWERWATCH_NETWORK
        windows = {
            Kind.WATCHTOWER: timedelta(days=options["window_days"]),
            Kind.TREEGEN: timedelta(days=options["treegen_window_days"]),
        }
        if options["evaluate"]:
            report = evaluate(network, self._truth(options["truth"]),
                              options["declare_fraction"], windows)  # fmt: skip
            self._print_evaluation(report, options["json"])
            return
        refresh = refresh_assignments(network, windows)
        if refresh.as_of is None:
            raise CommandError(f"nothing indexed on {network}: run `manage.py index` first")
        shares = ShareBook(network, at=refresh.as_of).all_shares(refresh.as_of)
        flagged = Assignment.objects.filter(network=network, as_of=refresh.as_of).exclude(flags=[])
        if options["json"]:
            self.stdout.write(json.dumps({
                "network": network, "as_of": refresh.as_of.isoformat(),
                "points": refresh.points, "seconds": round(refresh.seconds, 3),
                "shares": {kind: [row.as_dict() for row in rows] for kind, rows in shares.items()},
                "flags": [{"member": a.member.address, "kind": a.kind, "flags": a.flags}
                          for a in flagged.select_related("member")],
            }, indent=2, default=str))  # fmt: skip
            return
        self.stdout.write(f"{network} as of {refresh.as_of:%Y-%m-%d %H:%M} UTC ({refresh.points} "
                          f"days recomputed in {refresh.seconds:.1f} s)")  # fmt: skip
        for kind, rows in shares.items():
            self.stdout.write(f"\n{kind:<20} {'share':>6} {'lower':>6} {'upper':>6}  members")
            for row in rows:
                self.stdout.write(f"  {row.implementation:<18} {row.share:>6.1%} {row.lower:>6.1%} "
                                  f"{row.upper:>6.1%}  {row.members}/{row.total}")  # fmt: skip
        for assignment in flagged.select_related("member"):
            self.stdout.write(f"flag: {assignment.member.address} {assignment.kind}: "
                              f"{', '.join(assignment.flags)}")  # fmt: skip

    def _truth(self, path: Path | None) -> dict:
        path = path or settings.VAR_DIR / "simulation.json"
        try:
            return json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            message = f"no ground truth at {path} ({error}): run `manage.py simulate`"
            raise CommandError(message) from error

    def _print_evaluation(self, report: Evaluation, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
            return
        self.stdout.write(f"{report.network} as of {report.as_of:%Y-%m-%d %H:%M} UTC, "
                          f"{len(report.declared_members)} members declared")  # fmt: skip
        for kind, result in report.kinds.items():
            inside = result.bound_checks - len(result.bound_violations)
            self.stdout.write(
                f"\n{kind}: {result.evaluated} members, {result.declared} declared\n"
                f"  accuracy on the undeclared: {_percent(result.undeclared_accuracy)}\n"
                f"  leave-one-member-out accuracy (all): {_percent(result.loo_accuracy)}\n"
                f"  true share within the bounds: {inside}/{result.bound_checks} checks (daily)\n"
                f"  inference took {result.infer_seconds * 1000:.0f} ms\n  confusion (rows: truth):"
            )
            width = max(len(label) for label in result.labels) + 2
            header = "".join(f"{label[:10]:>11}" for label in result.labels)
            self.stdout.write(" " * (width + 2) + header)
            for label, row in zip(result.labels, result.confusion, strict=True):
                self.stdout.write(f"  {label:<{width}}" + "".join(f"{n:>11}" for n in row))
            self.stdout.write("  calibration:   confidence  count  mean  accuracy")
            for entry in result.calibration:
                self.stdout.write(f"  {entry['confidence']:>24} {entry['count']:>6} "
                                  f"{_percent(entry['mean_confidence']):>5} "
                                  f"{_percent(entry['accuracy']):>9}")  # fmt: skip
            self.stdout.write("  shares now:   true  lower  share  upper")
            for entry in result.shares:
                self.stdout.write(f"  {entry['implementation']:<18} {entry['true']:>5.1%} "
                                  f"{entry['lower']:>6.1%} {entry['share']:>6.1%} "
                                  f"{entry['upper']:>6.1%}")  # fmt: skip


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
