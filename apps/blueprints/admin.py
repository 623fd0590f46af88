"""Blueprints in the admin. Blueprints are written through the blueprint services with the
API's rights (SA: create in their projects, update and delete their own; a delete is the API's
soft delete). Versions are immutable and computed: "Add blueprint version" stores a graph
through `blueprint_version_create` — validated as the API validates it, numbered and hashed by
the service — and components, relations and diffs are read-only."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.accounts import rbac
from apps.blueprints import services
from apps.blueprints.api.serializers import VersionCreateSerializer
from apps.blueprints.models import (
    Blueprint,
    BlueprintDiff,
    BlueprintVersion,
    Component,
    Relation,
    Template,
)
from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.core.admin_actions import (
    NOT_ALLOWED,
    ServiceFormAdmin,
    changed_fields,
    domain_error_to_form,
)
from apps.core.exceptions import DomainError


def _may(request, action: str, project, owner_id=rbac.ANY) -> bool:
    user = request.user
    if not user.is_superuser and project.tenant_id != user.tenant_id:
        return False
    return rbac.allows(user, "blueprint", action, project_id=project.pk, owner_id=owner_id)


@admin.register(Blueprint)
class BlueprintAdmin(ServiceFormAdmin, DharmaModelAdmin):
    list_display = (
        "name",
        "project",
        "primary_provider",
        "lifecycle_state",
        "current_version",
        "updated_at",
    )
    list_filter = ("lifecycle_state", "primary_provider", "scope")
    list_select_related = ("project", "current_version__blueprint")
    search_fields = ("name", "description", "project__code")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)
    fields = ("project", "name", "description", "scope", "primary_provider", "lifecycle_state")
    readonly_fields = ("current_version", "revision", "created_by", "deleted_at")

    def get_fields(self, request, obj=None):
        return [*self.fields, *(self.readonly_fields if obj is not None else ())]

    def service_save(self, request, form, change):
        fields = changed_fields(form, change)
        if change:
            blueprint = form.instance
            target = fields.get("project", blueprint.project)
            if not _may(request, "update", blueprint.project, blueprint.created_by_id) or (
                target != blueprint.project and not _may(request, "update", target)
            ):
                raise DomainError(f"Blueprints: {NOT_ALLOWED}")
            return services.blueprint_update(blueprint=blueprint, **fields)
        project = fields.pop("project")
        if not _may(request, "create", project):
            raise DomainError(f"Blueprints: {NOT_ALLOWED}", fields={"project": [NOT_ALLOWED]})
        return services.blueprint_create(user=request.user, project=project, **fields)

    def delete_model(self, request, obj):
        if not _may(request, "delete", obj.project, obj.created_by_id):
            raise PermissionDenied
        services.blueprint_delete(blueprint=obj)

    def delete_queryset(self, request, queryset):
        for blueprint in queryset:
            self.delete_model(request, blueprint)


class VersionForm(forms.Form):
    blueprint = forms.UUIDField(help_text="The id of the blueprint the version belongs to.")
    graph = forms.CharField(
        widget=forms.Textarea({"rows": 20, "cols": 100}),
        help_text='JSON: {"components": [{name, type, provider, region, properties, tags, '
        'depends_on}], "relations": [{from, to, type, properties}]}',
    )
    tag = forms.CharField(max_length=100, required=False)

    def clean_graph(self):
        try:
            return json.loads(self.cleaned_data["graph"])
        except ValueError as exc:
            raise forms.ValidationError(f"Not JSON: {exc}") from exc


@admin.register(BlueprintVersion)
class BlueprintVersionAdmin(AppendOnlyAdmin):
    """Versions are immutable. "Add" stores a graph as the blueprint's next version through the
    service the API uses (`POST /api/v1/blueprints/{id}/versions/`): the graph is validated,
    the number and hash are the service's; an unchanged graph adds nothing."""

    list_display = ("blueprint", "version_number", "tag", "status", "graph_hash", "created_at")
    list_filter = ("status",)
    list_select_related = ("blueprint",)
    search_fields = ("blueprint__name", "tag", "graph_hash")
    date_hierarchy = "created_at"
    # Guardrails and costing add "Evaluate guardrails" and "Estimate cost" (they come after
    # blueprints in the apps' order; blueprints never import them).
    actions: list[Any] = []

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = VersionForm(
            request.POST or None, initial={"blueprint": request.GET.get("blueprint", "")}
        )
        if request.method == "POST" and form.is_valid():
            try:
                version, created = self._create(request, form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                self.message_user(
                    request,
                    f"Version {version.version_number} stored."
                    if created
                    else f"The graph is version {version.version_number}'s: nothing was added.",
                    messages.SUCCESS if created else messages.WARNING,
                )
                return HttpResponseRedirect(
                    reverse("admin:blueprints_blueprintversion_change", args=[version.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a blueprint version",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/blueprints/blueprintversion/add.html", context)

    def _create(self, request, data) -> tuple[BlueprintVersion, bool]:
        blueprint = (
            Blueprint.objects.select_related("project")
            .filter(pk=data["blueprint"], deleted_at__isnull=True)
            .first()
        )
        if blueprint is None or not (
            request.user.is_superuser or blueprint.project.tenant_id == request.user.tenant_id
        ):
            raise DomainError("No such blueprint.", fields={"blueprint": ["Not found."]})
        if not _may(request, "update", blueprint.project, blueprint.created_by_id):
            raise DomainError(f"Versions of this blueprint: {NOT_ALLOWED}")
        payload = VersionCreateSerializer(data={"graph": data["graph"], "tag": data["tag"] or None})
        if not payload.is_valid():
            raise DomainError(
                "The graph is not valid; nothing was saved.",
                fields={"graph": [json.dumps(payload.errors)]},
            )
        return services.blueprint_version_create(
            user=request.user, blueprint=blueprint, **payload.validated_data
        )


class ComputedAdmin(AppendOnlyAdmin):
    """Rows the version service writes: read, never added by hand."""

    def has_add_permission(self, request):
        return False


@admin.register(Component)
class ComponentAdmin(ComputedAdmin):
    list_display = ("name", "type", "subtype", "blueprint_version", "created_at")
    list_filter = ("type",)
    list_select_related = ("blueprint_version__blueprint",)
    search_fields = ("name", "display_name", "type")
    date_hierarchy = "created_at"


@admin.register(Relation)
class RelationAdmin(ComputedAdmin):
    list_display = (
        "from_component",
        "relation_type",
        "to_component",
        "blueprint_version",
        "created_at",
    )
    list_filter = ("relation_type",)
    list_select_related = ("from_component", "to_component", "blueprint_version__blueprint")
    search_fields = ("from_component__name", "to_component__name", "relation_type")
    date_hierarchy = "created_at"


@admin.register(BlueprintDiff)
class BlueprintDiffAdmin(ComputedAdmin):
    list_display = ("from_version__blueprint", "from_version", "to_version", "created_at")
    list_select_related = ("from_version__blueprint", "to_version__blueprint")
    search_fields = ("from_version__blueprint__name",)
    date_hierarchy = "created_at"


@admin.register(Template)
class TemplateAdmin(DharmaModelAdmin):
    list_display = (
        "name",
        "category",
        "provider",
        "is_public",
        "usage_count",
        "tenant",
        "updated_at",
    )
    list_filter = ("is_public", "provider", "category")
    list_select_related = ("tenant",)
    search_fields = ("name", "description", "category")
    date_hierarchy = "created_at"
