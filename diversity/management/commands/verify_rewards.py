"""`manage.py verify_rewards PATH_OR_URL`: rebuild a rewards tree and run every check on it.

A thin shell over diversity.rewardstree (which needs no Django): it turns options into limits,
prints the report (human or --json) and exits non-zero on any failure.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from diversity.rewardstree import Limits, VerificationReport, verify_rewards_file
from diversity.rewardstree.reader import DEFAULT_GATEWAY, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S
from diversity.rewardstree.values import hash32
from diversity.rewardstree.verify import STOPPED
from towerwatch.commandline import TowerwatchCommand, positive_float, positive_int


def _hex(value: bytes | None) -> str:
    return "0x" + value.hex() if value else "(none)"


class Command(TowerwatchCommand):
    help = (
        "Verify a Rocket Pool rewards tree file (path, http(s) URL, ipfs://CID/... or bare CID): "
        "rebuild the Merkle root and check it against the file, the given roots and the totals."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="PATH_OR_URL")
        parser.add_argument(
            "--root",
            action="append",
            default=[],
            metavar="0x…",
            help="a root that was submitted on-chain; repeat for each member",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--max-bytes", type=positive_int, default=DEFAULT_MAX_BYTES, metavar="N"
        )
        parser.add_argument(
            "--timeout", type=positive_float, default=DEFAULT_TIMEOUT_S, metavar="S"
        )
        parser.add_argument("--gateway", default=DEFAULT_GATEWAY, help="IPFS URL with {cid}")

    def handle(self, *args, **options):
        roots = self._roots(options["root"])
        if options["max_bytes"] <= 0 or options["timeout"] <= 0:
            raise CommandError("--max-bytes and --timeout must be positive")
        limits = Limits(
            max_bytes=options["max_bytes"],
            max_decompressed_bytes=options["max_bytes"],
            timeout_s=options["timeout"],
            gateway=options["gateway"],
        )
        report = verify_rewards_file(options["source"], expected_roots=roots, limits=limits)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), indent=2))
        elif not self._stopped_early(report):
            self._print_human(report)
        if not report.passed:
            raise CommandError(self._failure_line(report))

    def _roots(self, values: list[str]) -> dict[str, bytes]:
        roots = {}
        for i, value in enumerate(values, start=1):
            root = hash32(value.strip())
            if root is None:
                raise CommandError(f"--root {value!r} is not 0x followed by 64 hex digits")
            roots[f"--root #{i}"] = root
        return roots

    @staticmethod
    def _stopped_early(report: VerificationReport) -> bool:
        """Reading, decoding or the file version failed: one check, nothing else ran."""
        return any(name == STOPPED for name, _ in report.skipped)

    def _failure_line(self, report: VerificationReport) -> str:
        if self._stopped_early(report):
            failed = report.failures[0]
            return f"cannot verify {report.source}: {failed.name} failed: {failed.message}"
        names = ", ".join(c.name for c in report.failures)
        return f"verification failed: {len(report.failures)} check(s) failed: {names}"

    def _print_human(self, report: VerificationReport) -> None:
        out = self.stdout
        out.write(f"source:        {report.source}")
        out.write(
            f"file:          version {report.file_version}, ruleset {report.ruleset_version}, "
            f"interval {report.index}, {report.node_count} nodes"
        )
        out.write(f"computed root: {_hex(report.computed_root)}")
        out.write(f"file root:     {_hex(report.file_root)}")
        width = max(len(c.name) for c in report.checks)
        for check in report.checks:
            status = self.style.SUCCESS("PASS") if check.passed else self.style.ERROR("FAIL")
            out.write(f"{status} {check.name:<{width}}  {check.message}")
        for name, reason in report.skipped:
            out.write(f"not run: {name}: {reason}")
        for warning in report.warnings:
            out.write(self.style.WARNING(f"warning: {warning}"))
        out.write(f"elapsed: {report.elapsed_s * 1000:.1f} ms")
        verdict = "PASS" if report.passed else f"FAIL ({len(report.failures)} failed)"
        if report.warnings:
            verdict += f" with {len(report.warnings)} warning(s)"
        out.write(f"result: {verdict}")
