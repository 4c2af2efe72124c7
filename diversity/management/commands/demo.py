"""python manage.py demo: a newcomer's towerwatch in one command.

Starts a devnet, simulates 30 days of a 15-member oDAO, indexes it, runs the reference checks,
fingerprinting and alert rules, then serves the dashboard on http://127.0.0.1:8000 while the
devnet keeps running (Ctrl-C stops both).
"""

import json

from django.core.management import call_command
from django.core.management.base import BaseCommand

from diversity.demo_pipeline import run_pipeline
from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth, printable_summary
from votes.reset import reset_network


class Command(BaseCommand):
    help = "Start a devnet, simulate 30 days of oDAO history, index it and serve the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--members", type=int, default=15)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="stop after the pipeline")

    def handle(self, *args, **options):
        with open_devnet() as (chain, deployment):
            self.stdout.write(f"devnet at {deployment.rpc_url}; simulating {options['days']} days…")
            simulation = Simulation(
                chain, deployment, load_profiles(), load_scenario(None, options["days"]),
                members=options["members"], days=options["days"], seed=options["seed"],
            )  # fmt: skip
            truth = ground_truth(simulation.run(), deployment)
            chain.release()
            summary = printable_summary(truth)
            self.stdout.write(json.dumps({k: summary[k] for k in ("rounds", "submissions")}))
            reset_network("devnet")
            for step, outcome in run_pipeline(truth, seed=options["seed"]):
                self.stdout.write(f"{step}: {outcome}")
            if options["no_serve"]:
                return
            self.stdout.write(f"dashboard: http://{options['addrport']}/ (Ctrl-C to stop)")
            call_command("runserver", options["addrport"], use_reloader=False)
