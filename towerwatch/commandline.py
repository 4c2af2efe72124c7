"""What every towerwatch management command shares on the command line: argument types that
reject nonsense before any work starts, and errors that fit on one line.

argparse's own error prints the whole usage (a dozen lines with Django's common options) above
the message; `--help` still shows it, an error says only what was wrong.
"""

import argparse

from django.core.management.base import BaseCommand, CommandError


def _number(kind, low, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value != value or value in (float("inf"), float("-inf")) or value < low:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


positive_int = _number(int, 1, "a whole number of at least 1")
non_negative_int = _number(int, 0, "a whole number of at least 0")
non_negative_float = _number(float, 0.0, "a number of at least 0")


def positive_float(text: str) -> float:
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def fraction(text: str) -> float:
    """A share between 0 and 1 inclusive."""
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1")
    return value


class TowerwatchCommand(BaseCommand):
    """A BaseCommand whose argument errors are one line and exit with status 2."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = lambda message: _one_line_error(parser, message)
        return parser


def _one_line_error(parser, message: str):
    if not parser.called_from_command_line:  # call_command(): raise, as Django does
        raise CommandError(f"Error: {message}")
    parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")
