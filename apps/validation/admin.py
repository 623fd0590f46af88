from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin import AppendOnlyAdmin
from apps.validation import history, selectors, services
from apps.validation.models import ServiceAvailability, ValidationMeasurement, ValidationRun


@admin.register(ValidationRun)
class ValidationRunAdmin(AppendOnlyAdmin):
    """Validation runs with their checklist; "Run now" runs every check at once."""

    list_display = (
        "started_at",
        "status",
        "critical_failures",
        "environment",
        "trigger",
        "summary",
    )
    list_filter = ("status", "environment", "trigger")
    date_hierarchy = "started_at"
    readonly_fields = ["checklist"]
    change_list_template = "admin/validation/validationrun/change_list.html"

    def has_add_permission(self, request):
        return False  # runs are made by running the checks ("Run now", the command, the schedule)

    @admin.display(description="checks")
    def summary(self, run: ValidationRun) -> str:
        return ", ".join(f"{r['check']}: {r['status']}" for r in run.results)

    @admin.display(description="checklist")
    def checklist(self, run: ValidationRun) -> str:
        rows = []
        for result in run.results:
            items = result["findings"] or [
                {"name": "error", "value": result["error"], "status": result["status"],
                 "threshold": "", "note": ""}
            ]  # fmt: skip
            for item in items:
                value = str(item["value"])[:200]
                rows.append(
                    (result["check"], item["name"], item["status"], value, item["threshold"],
                     item["note"])
                )  # fmt: skip
        return format_html(
            "<table><tr><th>check</th><th>item</th><th>status</th><th>value</th><th>threshold</th>"
            "<th>note</th></tr>{}</table>",
            format_html_join("", "<tr>" + "<td>{}</td>" * 6 + "</tr>", rows),
        )

    def get_urls(self):
        return [
            path("run-now/", self.admin_site.admin_view(self.run_now), name="validation_run_now"),
            *super().get_urls(),
        ]

    def run_now(self, request):
        if request.method == "POST":
            run = services.run_validation(trigger="admin", user=request.user)
            self.message_user(request, f"Validation run: {run.get_status_display()}.")
            return HttpResponseRedirect(
                reverse("admin:validation_validationrun_change", args=[run.pk])
            )
        return HttpResponseRedirect(reverse("admin:validation_validationrun_changelist"))


def _share(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2%}"


@admin.register(ServiceAvailability)
class ServiceAvailabilityAdmin(AppendOnlyAdmin):
    """Each service checked in the last 7 days: latest status, availability over 1 h / 24 h /
    7 d and flapping, computed from `service_health_checks`; each links to the service's
    history. Staff who are not superusers see their own tenant's rows only, as everywhere."""

    list_display = ("service_name", "environment", "status", "response_time", "checked_at")
    history_limit = 100

    def has_add_permission(self, request):
        return False  # rows are written by the validation runs

    def get_urls(self):
        return [
            path(
                "history/<str:environment>/<str:service>/",
                self.admin_site.admin_view(self.service_history_view),
                name="validation_serviceavailability_history",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "windows": list(history.WINDOWS),
            "flap_window": history.FLAP_WINDOW,
            "flap_threshold": history.FLAP_THRESHOLD,
            "has_view_permission": True,
        }

    def _row(self, summary: history.ServiceSummary) -> dict:
        return {
            "summary": summary,
            "availability": [_share(summary.availability[name]) for name in history.WINDOWS],
            "history_url": reverse(
                "admin:validation_serviceavailability_history",
                args=[summary.environment, summary.service],
            ),
        }

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        summaries = selectors.service_summaries(queryset=self.get_queryset(request))
        context = {
            **self._context(request, "Service availability"),
            "rows": [self._row(summary) for summary in summaries],
            "now": timezone.now(),
        }
        return TemplateResponse(
            request, "admin/validation/serviceavailability/change_list.html", context
        )

    def service_history_view(self, request, environment: str, service: str):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request)
        checks = selectors.service_history(
            service=service, environment=environment, limit=self.history_limit, queryset=queryset
        )
        if not checks:
            raise Http404(f"no stored check of {service} in {environment}")
        summary = selectors.service_summary(
            service=service, environment=environment, queryset=queryset
        )
        rows = []
        for check in checks:
            run_id = check.metadata.get("validation_run")
            rows.append(
                {
                    "check": check,
                    "issues": "; ".join(
                        f"{issue.get('name')}: {issue.get('note') or issue.get('status')}"
                        for issue in check.issues
                    ),
                    "run_url": reverse("admin:validation_validationrun_change", args=[run_id])
                    if run_id
                    else "",
                }
            )
        context = {
            **self._context(request, f"{service} ({environment}): history"),
            "service": service,
            "environment": environment,
            "row": self._row(summary) if summary else None,
            "checks": rows,
            "limit": self.history_limit,
            "changelist_url": reverse("admin:validation_serviceavailability_changelist"),
        }
        return TemplateResponse(
            request, "admin/validation/serviceavailability/history.html", context
        )


@admin.register(ValidationMeasurement)
class ValidationMeasurementAdmin(AppendOnlyAdmin):
    """Figures measured by the benchmarks for the validation report (written with `--record`).
    They belong to no tenant (the platform's own), so only superusers see them."""

    list_display = ("kind", "finished_at", "host", "headline", "command")
    list_filter = ("kind", "host")
    search_fields = ("command", "notes", "host")
    date_hierarchy = "finished_at"

    def has_add_permission(self, request):
        return False  # stored by the benchmarks' --record

    @admin.display(description="figures")
    def headline(self, measurement: ValidationMeasurement) -> str:
        figures = measurement.figures
        if measurement.kind == "pgbouncer-pooling":
            return (
                f"{figures['clients']:,} clients: {figures['pooled']['max_server_connections']} "
                f"server connections through PgBouncer, "
                f"{figures['direct']['max_server_connections']} direct"
            )
        return (
            f"p50 cold {figures['cold']['p50_ms']:.2f} ms, warm {figures['warm']['p50_ms']:.2f} ms"
        )
