from django.contrib import admin

from apps.blueprints.models import (
    Blueprint,
    BlueprintDiff,
    BlueprintVersion,
    Component,
    Relation,
    Template,
)
from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin


@admin.register(Blueprint)
class BlueprintAdmin(DharmaModelAdmin):
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


@admin.register(BlueprintVersion)
class BlueprintVersionAdmin(AppendOnlyAdmin):
    list_display = ("blueprint", "version_number", "tag", "status", "graph_hash", "created_at")
    list_filter = ("status",)
    list_select_related = ("blueprint",)
    search_fields = ("blueprint__name", "tag", "graph_hash")
    date_hierarchy = "created_at"


@admin.register(Component)
class ComponentAdmin(AppendOnlyAdmin):
    list_display = ("name", "type", "subtype", "blueprint_version", "created_at")
    list_filter = ("type",)
    list_select_related = ("blueprint_version__blueprint",)
    search_fields = ("name", "display_name", "type")
    date_hierarchy = "created_at"


@admin.register(Relation)
class RelationAdmin(AppendOnlyAdmin):
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
class BlueprintDiffAdmin(AppendOnlyAdmin):
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
