"""python manage.py demo: a newcomer's towerwatch in one command.

Starts a devnet, simulates 30 days of a 15-member oDAO, indexes it, runs the reference checks,
fingerprinting and alert rules, then serves the dashboard on http://127.0.0.1:8000 while the
devnet keeps running (Ctrl-C stops both).
"""

import json

from django.conf import settings
from django.core.management import call_command

from diversity.alerts.lifecycle import evaluate
from diversity.alerts.sources import current_situation
from diversity.alerts.tasks import dispatch
from diversity.fingerprint.evaluate import choose_declared, sign_declaration
from diversity.pipeline import watch
from towerwatch.commandline import TowerwatchCommand, non_negative_int, positive_int
from votes.chain.networks import get_network
from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth, printable_summary
from votes.reset import reset_network


class Command(TowerwatchCommand):
    help = "Start a devnet, simulate 30 days of oDAO history, index it and serve the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=positive_int, default=30)
        parser.add_argument("--members", type=positive_int, default=15)
        parser.add_argument("--seed", type=non_negative_int, default=1)
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
            deployment.save(settings.TOWERWATCH_DEVNET_FILE)
            chain.release()
            summary = printable_summary(truth)
            self.stdout.write(json.dumps({k: summary[k] for k in ("rounds", "submissions")}))
            reset_network("devnet")
            self._run_pipeline(truth, options["seed"])
            if options["no_serve"]:
                return
            self.stdout.write(f"dashboard: http://{options['addrport']}/ (Ctrl-C to stop)")
            call_command("runserver", options["addrport"], use_reloader=False)

    def _run_pipeline(self, truth: dict, seed: int) -> None:
        """Index, let half the members declare (signed with their devnet keys), fingerprint,
        check against the reference and evaluate the alert rules, as production would."""
        config = get_network("devnet")
        steps = watch(config)
        step, outcome = next(steps)  # index first: declarations need the members indexed
        self.stdout.write(f"{step}: {outcome}")
        declared = choose_declared(truth["members"], 0.5)
        for member in declared:
            joined = member["joined_at"] or truth["started_at"]
            sign_declaration("devnet", member, seed, at=joined + 60)
        self.stdout.write(f"declarations: {len(declared)} members declared their software")
        for step, outcome in steps:
            self.stdout.write(f"{step}: {outcome}")
        events = evaluate(current_situation("devnet"), queue=dispatch)
        self.stdout.write(f"alerts: {len(events)} alert events")
