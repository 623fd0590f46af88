"""`manage.py validation_report [--run ID] [--loadtest RUN_ID] [--baseline RUN_ID]
[--measurement ID ...] [--format md|html|json] [--output FILE]`: the performance validation
report from stored runs and measurements (the latest validation run, and the latest measurement
of each kind, by default). Exit code 2 for usage errors."""

import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.loadtests.models import LoadTestRun
from apps.validation import report, selectors
from apps.validation.models import ValidationMeasurement, ValidationRun


def _get(model, value, option, what="run"):
    try:
        found = model.objects.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        found = None
    if found is None:
        raise CommandError(f"{option}: no stored {what} {value!r}", returncode=2)
    return found


class Command(BaseCommand):
    help = "Write the performance validation report from stored measurements only."

    def add_arguments(self, parser):
        parser.add_argument("--run", help="validation run id (default: the latest)")
        parser.add_argument("--loadtest", help="load-test run id")
        parser.add_argument("--baseline", help="load-test run id to compare with")
        parser.add_argument(
            "--measurement",
            action="append",
            default=[],
            help="stored measurement id to show instead of the latest of its kind (repeatable)",
        )
        parser.add_argument("--format", choices=["md", "html", "json"], default="md")
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
        chosen = [
            _get(ValidationMeasurement, value, "--measurement", "measurement")
            for value in options["measurement"]
        ]
        kinds = [measurement.kind for measurement in chosen]
        repeated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
        if repeated:
            raise CommandError(
                f"--measurement: more than one {', '.join(repeated)} measurement given",
                returncode=2,
            )
        output = Path(options["output"]) if options["output"] else None
        if output is not None and not output.resolve().parent.is_dir():
            raise CommandError(f"--output: the directory of {output} does not exist", returncode=2)
        data = report.build(run, loadtest, baseline, selectors.measurements_for_report(chosen))
        if options["format"] == "json":
            text = json.dumps(data, indent=2, default=str)
        elif options["format"] == "html":
            text = report.html(data)
        else:
            text = report.markdown(data)
        if output is not None:
            output.write_text(text)
        else:
            self.stdout.write(text)
