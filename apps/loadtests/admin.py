"""Load-test runs in the admin: the list with verdicts and headline figures; the run page with
charts (req/s, latency percentiles and VUs over time, the latency histogram), the thresholds and
the comparison with the target's baseline; actions to run again, mark as baseline and cancel;
"Add" queues a new run."""

import math

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.core.admin import DharmaModelAdmin
from apps.loadtests import charts, compare, services, tasks
from apps.loadtests.engine.metrics import MetricStore
from apps.loadtests.exceptions import ConfigError
from apps.loadtests.models import LoadTestRun, RunStatus


class RunForm(forms.Form):
    """A new run from the admin: queued on the `loadtests` Celery queue."""

    name = forms.CharField(required=False, max_length=200)
    url = forms.CharField(
        help_text="Base URL of an allowed host, e.g. http://127.0.0.1:8000 or https://…"
    )
    paths = forms.CharField(
        initial="/health", help_text="One path per line; PATH:N gives it weight N."
    )
    vus = forms.IntegerField(min_value=1, max_value=10_000, initial=10)
    duration = forms.CharField(initial="30s")
    thresholds = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="http_req_duration:p(95)<300\nhttp_req_failed:rate<0.01",
        help_text="One k6 threshold per line.",
    )
    insecure_skip_tls_verify = forms.BooleanField(
        required=False,
        label="Skip TLS verification",
        help_text="https: accept any certificate (a self-signed one on a test host).",
    )

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "url": data["url"],
            "insecure_skip_tls_verify": data["insecure_skip_tls_verify"],
            "path": [line.strip() for line in data["paths"].splitlines() if line.strip()],
            "vus": str(data["vus"]),
            "duration": data["duration"],
            "threshold": [line.strip() for line in data["thresholds"].splitlines() if line.strip()],
        }


def latency_histogram(run: LoadTestRun, buckets: int = 24) -> list[tuple[str, float]]:
    """http_req_duration counts in log-spaced buckets, from the stored (HDR) result."""
    if not run.result:
        return []
    trend = MetricStore.from_dict(run.result["store"]).trend("http_req_duration")
    if not trend.count:
        return []
    histogram = trend.as_histogram()
    values = [
        (item.value_iterated_to / 1000, item.count_at_value_iterated_to)
        for item in histogram.get_recorded_iterator()
    ]
    low = max(min(value for value, _ in values), 0.001)
    high = max(max(value for value, _ in values), low * 1.0001)
    step = (math.log(high) - math.log(low)) / buckets
    counts = [0.0] * buckets
    for value, count in values:
        index = min(int((math.log(max(value, low)) - math.log(low)) / step), buckets - 1)
        counts[index] += count
    return [
        (f"{low * math.exp(step * (index + 1)):.3g}", counts[index]) for index in range(buckets)
    ]


@admin.register(LoadTestRun)
class LoadTestRunAdmin(DharmaModelAdmin):
    list_display = (
        "__str__", "verdict", "executor", "requests", "rate", "p95", "errors", "is_baseline",
        "created_at",
    )  # fmt: skip
    list_filter = ("status", "executor", "is_baseline")
    search_fields = ("name", "target_url")
    date_hierarchy = "created_at"
    actions = ["run_again", "mark_as_baseline", "cancel"]
    change_form_template = "admin/loadtests/loadtestrun/change_form.html"
    readonly_fields = [field.name for field in LoadTestRun._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record: its actions make new runs or change its flags

    @admin.display(description="verdict", ordering="status")
    def verdict(self, run: LoadTestRun) -> str:
        colours = {"passed": "#3a9d5d", "failed": "#b03a3a", "errored": "#b03a3a"}
        colour = colours.get(str(run.status), "#666")
        return format_html('<b style="color:{}">{}</b>', colour, run.get_status_display())

    @admin.display(description="req/s", ordering="request_rate")
    def rate(self, run: LoadTestRun) -> str:
        return "-" if run.request_rate is None else f"{run.request_rate:,.1f}"

    @admin.display(description="p95 ms", ordering="p95_ms")
    def p95(self, run: LoadTestRun) -> str:
        return "-" if run.p95_ms is None else f"{run.p95_ms:.2f}"

    @admin.display(description="errors", ordering="error_rate")
    def errors(self, run: LoadTestRun) -> str:
        return "-" if run.error_rate is None else f"{run.error_rate:.2%}"

    # --- actions -----------------------------------------------------------------------------

    @admin.action(description="Run again (queued)")
    def run_again(self, request: HttpRequest, queryset) -> None:
        for run in queryset:
            if run.options.get("login"):
                self.message_user(
                    request,
                    f"{run}: it logs in, and stored runs keep no password; run it again with "
                    "runloadtest --login.",
                    messages.ERROR,
                )
                continue
            try:
                again = services.run_create(
                    options=run.options,
                    user=request.user,
                    tenant=getattr(request.user, "tenant", None),
                    name=run.name,
                    baseline=run if run.is_baseline else run.baseline,
                )
            except ConfigError as exc:
                self.message_user(request, f"{run}: {exc}", messages.ERROR)
                continue
            tasks.enqueue(again)
            self.message_user(request, f"Queued run {again.pk}.")

    @admin.action(description="Mark as baseline of its target")
    def mark_as_baseline(self, request: HttpRequest, queryset) -> None:
        for run in queryset:
            if run.status not in (RunStatus.PASSED, RunStatus.FAILED):
                self.message_user(request, f"{run}: only a finished run can be a baseline.",
                                  messages.ERROR)  # fmt: skip
                continue
            services.mark_baseline(run)
            self.message_user(request, f"{run} is the baseline of {run.target_url}.")

    @admin.action(description="Cancel")
    def cancel(self, request: HttpRequest, queryset) -> None:
        for run in queryset:
            services.run_cancel(run)
        self.message_user(request, "Cancelled (a running run stops within a few seconds).")

    # --- pages -------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.run_create(
                    options=form.options(),
                    user=request.user,
                    tenant=getattr(request.user, "tenant", None),
                    name=form.cleaned_data["name"],
                )
            except ConfigError as exc:
                form.add_error(None, str(exc))
            else:
                tasks.enqueue(run)
                self.message_user(request, f"Queued run {run.pk}.")
                return HttpResponseRedirect(
                    reverse("admin:loadtests_loadtestrun_change", args=[run.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a load test",
            "form": form,
            "opts": self.model._meta,
            "add": True,
            "has_view_permission": True,
        }
        from django.template.response import TemplateResponse

        return TemplateResponse(request, "admin/loadtests/loadtestrun/add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra.update(self._run_context(run))
        return super().change_view(request, object_id, form_url, extra)

    def _run_context(self, run: LoadTestRun) -> dict:
        series = run.series or []
        charts_svg = []
        if series:
            charts_svg = [
                charts.line_chart(
                    "Requests and errors per second", "req/s",
                    {"req/s": [p["requests"] for p in series],
                     "errors/s": [p["errors"] for p in series]},
                ),
                charts.line_chart(
                    "Latency", "ms",
                    {"p50": [p["p50"] for p in series], "p95": [p["p95"] for p in series],
                     "p99": [p["p99"] for p in series]},
                ),
                charts.line_chart("Virtual users", "VUs", {"VUs": [p["vus"] for p in series]}),
            ]  # fmt: skip
            histogram = latency_histogram(run)
            if histogram:
                charts_svg.append(charts.bar_chart("Latency histogram", "requests", histogram))
        baseline = run.baseline or (
            LoadTestRun.objects.filter(target_url=run.target_url, is_baseline=True)
            .exclude(pk=run.pk)
            .first()
        )
        deltas = compare.compare(run.summary, baseline.summary) if baseline else []
        return {
            "charts": [mark_safe(svg) for svg in charts_svg],  # noqa: S308 - built from numbers
            "thresholds": run.thresholds,
            "baseline": baseline,
            "deltas": deltas,
            "comparison": compare.overall(deltas) if deltas else None,
            "status_counts": sorted(run.status_counts.items()),
            "path_stats": run.path_stats,
        }
