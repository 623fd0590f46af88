"""`manage.py validate [--checks postgresql,redis,…] [--format text|json]`: run the readiness
checks now and store the run. Exit code 1 when a critical check fails, 2 for usage errors."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.validation import services
from apps.validation.checks import REGISTRY
from apps.validation.models import RunStatus

MARK = {"pass": "✓", "warn": "!", "fail": "✗", "not measured": "-"}


class Command(BaseCommand):
    help = "Run the infrastructure readiness checks now and store the run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checks", help=f"comma-separated, of: {', '.join(REGISTRY)} (default: all)"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        names = [n.strip() for n in (options["checks"] or "").split(",") if n.strip()]
        try:
            run = services.run_validation(checks=names or None)
        except services.UnknownCheck as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {"run": str(run.pk), "status": run.status, "results": run.results}, indent=2
                )
            )
        else:
            for result in run.results:
                critical = " (critical)" if result["critical"] else ""
                self.stdout.write(
                    f"{MARK[result['status']]} {result['check']}{critical}: {result['status']}"
                    f" in {result['duration_ms']:.0f} ms"
                )
                if result["error"]:
                    self.stdout.write(f"    error: {result['error']}")
                for item in result["findings"]:
                    note = f" — {item['note']}" if item["note"] else ""
                    threshold = f" [{item['threshold']}]" if item["threshold"] else ""
                    self.stdout.write(
                        f"    {MARK[item['status']]} {item['name']}: {item['value']}"
                        f"{threshold}{note}"
                    )
            self.stdout.write(f"validation run {run.pk}: {run.get_status_display()}")
        if run.status == RunStatus.FAILED:
            raise CommandError(f"{run.critical_failures} critical check(s) failed", returncode=1)
