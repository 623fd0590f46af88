"""`manage.py validation_report [--run ID] [--loadtest RUN_ID] [--baseline RUN_ID]
[--format md|json] [--output FILE]`: the performance validation report from stored runs (the
latest validation run by default)."""

import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.loadtests.models import LoadTestRun
from apps.validation import report
from apps.validation.models import ValidationRun


def _get(model, value, option):
    try:
        found = model.objects.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        found = None
    if found is None:
        raise CommandError(f"{option}: no stored run {value!r}", returncode=2)
    return found


class Command(BaseCommand):
    help = "Write the performance validation report from stored measurements only."

    def add_arguments(self, parser):
        parser.add_argument("--run", help="validation run id (default: the latest)")
        parser.add_argument("--loadtest", help="load-test run id")
        parser.add_argument("--baseline", help="load-test run id to compare with")
        parser.add_argument("--format", choices=["md", "json"], default="md")
        parser.add_argument("--output", help="write to this file instead of stdout")

    def handle(self, *args, **options):
        if options["run"]:
            run = _get(ValidationRun, options["run"], "--run")
        else:
            run = ValidationRun.objects.order_by("-started_at").first()
            if run is None:
                raise CommandError("no validation run yet: run `manage.py validate`", returncode=2)
        loadtest = (
            _get(LoadTestRun, options["loadtest"], "--loadtest") if options["loadtest"] else None
        )
        baseline = (
            _get(LoadTestRun, options["baseline"], "--baseline") if options["baseline"] else None
        )
        if baseline is not None and loadtest is None:
            raise CommandError("--baseline needs --loadtest", returncode=2)
        data = report.build(run, loadtest, baseline)
        text = (
            json.dumps(data, indent=2, default=str)
            if options["format"] == "json"
            else report.markdown(data)
        )
        if options["output"]:
            path = Path(options["output"])
            if not path.resolve().parent.is_dir():
                raise CommandError(
                    f"--output: the directory of {path} does not exist", returncode=2
                )
            path.write_text(text)
        else:
            self.stdout.write(text)
