"""python manage.py bench [--json]: every speed figure towerwatch promises, measured here.

Each section runs on its own; one that fails prints its error and the others still run.
Figures go to stdout; bench/RESULTS.md keeps the last recorded ones with their commands.
"""

import json
import time
import traceback

from towerwatch.commandline import TowerwatchCommand, positive_int

SECTIONS = ("indexing", "scale", "simulation", "rewards", "fingerprint", "web", "reliability")


class Command(TowerwatchCommand):
    help = "Measure indexing, consensus, fingerprinting, rewards verification and web latency."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--days",
            type=positive_int,
            default=90,
            help="simulated history to index and to time (default 90: anvil keeps every past "
            "state in memory, and a simulated year outgrows a 24 GB machine)",
        )
        parser.add_argument("--only", nargs="*", default=None, choices=SECTIONS, metavar="SECTION",
                            help=f"sections: {' '.join(SECTIONS)}")  # fmt: skip
        parser.add_argument(
            "--quick", action="store_true", help="reliability: every scenario, a few examples each"
        )

    def handle(self, *args, **options):
        results: dict[str, object] = {}
        for name, section in self._sections(options, results):
            if options["only"] and name not in options["only"]:
                continue
            started = time.perf_counter()
            try:
                results[name] = section()
            except Exception as error:  # one broken section must not hide the others
                results[name] = {"error": f"{type(error).__name__}: {error}"}
                self.stderr.write(traceback.format_exc())
            self.stderr.write(f"{name}: done in {time.perf_counter() - started:.1f} s")
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
        else:
            for name, figures in results.items():
                self._print(name, figures or {})

    def _print(self, name: str, figures: dict) -> None:
        self.stdout.write(f"== {name}")
        if name == "reliability" and "error" not in figures:
            from bench.bench_reliability import table_lines

            self.stdout.write("\n".join(table_lines(figures)))
            return
        for key, value in figures.items():
            self.stdout.write(f"  {key}: {value}")

    def _sections(self, options, results):
        from bench.bench_indexing import mainnet_estimate, measure_indexing
        from bench.bench_rewards import measure_rewards
        from bench.bench_simulation import measure_simulation

        def scale():
            measured = results.get("indexing") or {}
            if "round_trips_per_submission" not in measured:
                return {"error": "needs the indexing section"}
            return {
                f"{years}y_{members}m_{int(latency * 1000)}ms": mainnet_estimate(
                    measured, years, members, latency
                )["hours"]
                for years in (1, 4, 8)
                for members in (15, 30)
                for latency in (0.05, 0.2)
            }

        def indexing():
            measured = measure_indexing(days=options["days"])
            self.truth = measured.pop("truth")
            return measured

        self.truth = None
        yield "indexing", indexing
        yield "scale", scale
        yield "simulation", lambda: measure_simulation(days=options["days"])
        yield "rewards", measure_rewards
        yield from self._optional_sections(options)

    def _optional_sections(self, options):
        from bench.bench_fingerprint import measure_fingerprint

        yield "fingerprint", lambda: measure_fingerprint(truth=self.truth)
        from bench.bench_concurrent import measure_web

        yield "web", measure_web
        from bench.bench_reliability import measure_reliability
        from bench.reliability_config import BENCH, QUICK

        yield "reliability", lambda: measure_reliability(QUICK if options["quick"] else BENCH)
