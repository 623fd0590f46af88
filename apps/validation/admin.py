from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import AppendOnlyAdmin
from apps.validation import services
from apps.validation.models import ValidationRun


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
