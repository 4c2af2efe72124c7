"""Print the table of oDAO duties (votes/chain/duty_table.py) as markdown, for the README."""

from towerwatch.commandline import TowerwatchCommand
from votes.chain.duty_table import markdown_table


class Command(TowerwatchCommand):
    help = "Print the table of oDAO duties of each real release as markdown (the README's table)."

    def handle(self, *args, **options):
        self.stdout.write(markdown_table(), ending="")
