from django.contrib import admin
from django.utils.html import format_html, format_html_join

from apps.core.admin import DharmaModelAdmin
from apps.iac.models import IacGeneration


@admin.register(IacGeneration)
class IacGenerationAdmin(DharmaModelAdmin):
    """Generations are written by the generation service only: the admin reads them, with each
    generated file shown as it was stored."""

    list_display = (
        "id",
        "blueprint",
        "version_number",
        "format",
        "provider",
        "status",
        "requested_by",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "format", "provider")
    list_select_related = ("blueprint", "blueprint_version", "requested_by")
    search_fields = ("=id", "blueprint__name", "content_hash", "error", "requested_by__email")
    date_hierarchy = "created_at"
    exclude = ("files", "validation", "warnings")
    readonly_fields = (
        "tenant",
        "project",
        "blueprint",
        "blueprint_version",
        "format",
        "provider",
        "environment",
        "status",
        "content_hash",
        "error",
        "guardrail_evaluation",
        "requested_by",
        "started_at",
        "completed_at",
        "task_id",
        "metadata",
        "validation_problems",
        "warning_list",
        "generated_files",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="version", ordering="blueprint_version__version_number")
    def version_number(self, generation: IacGeneration) -> int:
        return generation.blueprint_version.version_number

    @admin.display(description="validation")
    def validation_problems(self, generation: IacGeneration) -> str:
        if not generation.validation:
            return "No problems found." if generation.finished else "-"
        rows = (
            (problem.get("level", ""), problem.get("file", ""), problem.get("message", ""))
            for problem in generation.validation
        )
        return format_html(
            "<table><tr><th>level</th><th>file</th><th>message</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="warnings")
    def warning_list(self, generation: IacGeneration) -> str:
        if not generation.warnings:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((warning,) for warning in generation.warnings)),
        )

    @admin.display(description="files")
    def generated_files(self, generation: IacGeneration) -> str:
        if not generation.files:
            return "-"
        return format_html_join(
            "",
            '<h3 style="margin:1em 0 .3em">{}</h3>'
            '<pre style="max-height:40em;overflow:auto;white-space:pre">{}</pre>',
            sorted(generation.files.items()),
        )
