"""Every towerwatch management command refuses nonsense arguments before doing any work: one
line on stderr naming the argument, nothing on stdout, a non-zero exit.

The commands and their numeric options are found by introspection, so a new command or option
is covered without being listed here.
"""

import pytest
from django.core.management import ManagementUtility, get_commands, load_command_class

PROJECT_APPS = {"votes", "diversity"}
BAD_NUMBERS = ("-3", "abc", "nan", "1e999")


def project_commands() -> list[str]:
    return sorted(name for name, app in get_commands().items() if app in PROJECT_APPS)


def numeric_options(name: str) -> list[str]:
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    return [
        action.option_strings[-1]
        for action in parser._actions
        if action.option_strings and action.type not in (None, str) and action.dest != "verbosity"
        and getattr(action.type, "__name__", "") not in ("Path", "PosixPath")
    ]  # fmt: skip


def required_arguments(name: str) -> list[str]:
    """Placeholders for a command's positional arguments, so that the option is what fails."""
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    return ["placeholder" for action in parser._actions if not action.option_strings]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", *argv]).execute()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def assert_refused(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code not in (0, None), argv
    assert out == "", argv
    assert len(err.strip().splitlines()) == 1, (argv, err)
    return err


def test_every_project_command_is_found():
    assert {"simulate", "index", "devnet", "demo", "bench", "fingerprint", "reference",
            "verify_rewards", "alerts"} <= set(project_commands())  # fmt: skip


@pytest.mark.parametrize("name", project_commands())
def test_an_unknown_option_is_one_line(capsys, name):
    argv = [name, "--nonesuch", *required_arguments(name)]
    assert "unrecognized arguments: --nonesuch" in assert_refused(capsys, *argv)


@pytest.mark.parametrize("name", project_commands())
def test_every_numeric_option_refuses_negative_and_malformed_values(capsys, name):
    for option in numeric_options(name):
        for value in BAD_NUMBERS:
            argv = [name, option, value, *required_arguments(name)]
            assert f"argument {option}" in assert_refused(capsys, *argv)


@pytest.mark.parametrize("argv", [
    ["simulate", "--members", "0", "--days", "1"],
    ["simulate", "--days", "-3"],
    ["simulate", "--days", "0"],
    ["demo", "--members", "0", "--no-serve"],
    ["fingerprint", "--declare-fraction", "1.5"],
    ["index", "--interval", "0"],
    ["bench", "--only", "nonesuch"],
])  # fmt: skip
def test_the_reported_cases_are_refused(capsys, argv):
    assert_refused(capsys, *argv)


def test_options_still_parse_valid_values():
    command = load_command_class("votes", "simulate")
    options = command.create_parser("manage.py", "simulate").parse_args(["--members", "1"])
    assert options.members == 1 and options.days == 30


def test_call_command_raises_instead_of_exiting():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--days"):
        call_command("simulate", "--days", "-3")


def test_the_usage_is_still_in_help(capsys):
    code, out, _ = run(capsys, "simulate", "--help")
    assert code == 0 and "--members" in out
