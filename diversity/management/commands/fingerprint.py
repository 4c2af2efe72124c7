"""python manage.py fingerprint [--full] [--evaluate [--profiles FILE]] [--json]: who runs what,
and the shares.

Without --evaluate: bring every member's assignments (declared or inferred, with confidence,
release and flags) over the indexed history up to date and print the current shares with their
bounds, per implementation and per release. Only the days whose inputs changed since the last
run are recomputed (usually the newest); `--full` recomputes every day.
With --evaluate: leave-one-member-out evaluation against the simulator's ground truth
(`simulate` writes it), in a transaction that is rolled back; prints per implementation the
true-positive rate and positive predictive value over held-out member-days, the confusion
matrix and the calibration, and keeps them for the model card. `--profiles FILE` is the extra
profiles file the simulation ran with: what it adds is behaviour the model was not built from.
"""

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from diversity.fingerprint.assignments import WINDOWS
from diversity.fingerprint.evaluate import Evaluation, KindReport, evaluate, record_evaluation
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
        add("--full", action="store_true", help="recompute every day, not only the changed ones")
        add("--truth", type=Path, help="simulator ground truth (default: var/simulation.json)")
        add("--profiles", type=Path, help="in --evaluate: the extra profiles the simulation ran")
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
            truth = self._truth(options["truth"])
            report = evaluate(network, truth, options["declare_fraction"], windows,
                              options["profiles"])  # fmt: skip
            record_evaluation(report)
            self._print_evaluation(report, options["json"])
            return
        refresh = refresh_assignments(network, windows, full=options["full"])
        if refresh.as_of is None:
            raise CommandError(f"nothing indexed on {network}: run `manage.py index` first")
        book = ShareBook(network, at=refresh.as_of)
        shares = book.all_shares(refresh.as_of)
        releases = {kind: book.release_shares(kind, refresh.as_of) for kind in shares}
        flagged = Assignment.objects.filter(network=network, as_of=refresh.as_of).exclude(flags=[])
        if options["json"]:
            self.stdout.write(json.dumps({
                "network": network, "as_of": refresh.as_of.isoformat(),
                "points": refresh.points, "seconds": round(refresh.seconds, 3),
                "shares": {kind: [row.as_dict() for row in rows] for kind, rows in shares.items()},
                "release_shares": {kind: [row.as_dict() for row in rows]
                                   for kind, rows in releases.items()},
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
            self.stdout.write("  releases: " + ", ".join(
                f"{row.implementation}{'@' if row.release else ''}{row.release} {row.members}"
                for row in releases[kind]))  # fmt: skip
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
                f"  accuracy on the undeclared: {_percent(result.undeclared_accuracy)}"
                f" ({len(result.undeclared_without_evidence)} without evidence, not scored)\n"
                f"  leave-one-member-out accuracy (all): {_percent(result.loo_accuracy)}\n"
                f"  true share within the bounds: {inside}/{result.bound_checks} checks (daily)\n"
                f"  inference took {result.infer_seconds * 1000:.0f} ms"
            )
            self._print_rates(result)
            self.stdout.write("  confusion (rows: truth) over member-days:")
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

    def _print_rates(self, result: KindReport) -> None:
        skipped = ", ".join(f"{n} {why}" for why, n in result.skipped_member_days.items())
        self.stdout.write(f"  held-out member-days: {result.member_days} (left out: "
                          f"{skipped or 'none'})\n  {'implementation':<18} {'TPR':>5} "
                          f"{'PPV':>5}  member-days  members")  # fmt: skip
        for row in result.implementations:
            self.stdout.write(f"  {row['implementation']:<18} {_percent(row['tpr']):>5} "
                              f"{_percent(row['ppv']):>5} {row['member_days']:>12} "
                              f"{row['members']:>8}")  # fmt: skip
        outcomes = {"new releases named their implementation": result.generalisation[
            "new_releases"], "new implementations called unknown": result.generalisation[
            "new_implementations"], "known releases named": result.releases}  # fmt: skip
        for what, counts in outcomes.items():
            if counts["member_days"]:
                self.stdout.write(f"  {what}: {_percent(counts['rate'])} ({counts['right']}/"
                                  f"{counts['member_days']} member-days)")  # fmt: skip


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
