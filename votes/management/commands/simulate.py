"""python manage.py simulate: drive a simulated oDAO on the devnet and print a JSON summary."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from towerwatch.commandline import TowerwatchCommand, non_negative_int, positive_int
from votes.devnet.anvil_memory import DevnetOutOfMemory
from votes.devnet.profiles import ProfileError, load_profiles
from votes.devnet.scenario import ScenarioError, load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth, printable_summary


class Command(TowerwatchCommand):
    help = "Simulate oDAO members running different implementations on the devnet."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=positive_int, default=15)
        parser.add_argument("--days", type=positive_int, default=30)
        parser.add_argument("--seed", type=non_negative_int, default=1)
        parser.add_argument("--profiles", type=Path, help="extra implementation profiles (JSON)")
        parser.add_argument("--scenario", type=Path, help="scripted events (JSON)")
        parser.add_argument("--rpc", help="use this node instead of starting a devnet")
        parser.add_argument("--reward-interval-days", type=positive_int, default=7)
        parser.add_argument(
            "--truth", type=Path, default=None,
            help="where to write the full ground truth (default: var/simulation.json)",
        )  # fmt: skip

    def handle(self, *args, **options):
        try:
            profiles = load_profiles(options["profiles"])
            scenario = load_scenario(options["scenario"], options["days"])
        except (ProfileError, ScenarioError, OSError, json.JSONDecodeError) as error:
            raise CommandError(str(error)) from error
        try:
            truth = self._simulate(options, profiles, scenario)
        except DevnetOutOfMemory as error:
            raise CommandError(str(error)) from error
        truth_path = options["truth"] or settings.VAR_DIR / "simulation.json"
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth_path.write_text(json.dumps(truth, indent=1))
        summary = printable_summary(truth)
        summary["ground_truth_file"] = str(truth_path)
        self.stdout.write(json.dumps(summary, indent=2))

    def _simulate(self, options: dict, profiles, scenario) -> dict:
        with open_devnet(options["rpc"], options["reward_interval_days"]) as (chain, deployment):
            simulation = Simulation(
                chain, deployment, profiles, scenario,
                members=options["members"], days=options["days"], seed=options["seed"],
            )  # fmt: skip
            result = simulation.run()
            deployment.save(settings.TOWERWATCH_DEVNET_FILE)
            truth = ground_truth(result, deployment)
            if options["rpc"]:
                chain.release()
            return truth
