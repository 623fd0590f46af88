from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import Project
from apps.blueprints.models import Blueprint, BlueprintVersion, Template
from apps.core.api.serializers import StrictModelSerializer, StrictSerializer


@extend_schema_field(OpenApiTypes.UUID)
class TenantProjectField(serializers.PrimaryKeyRelatedField):
    """A project of the caller's tenant; another tenant's project does not exist."""

    def get_queryset(self):
        request = self.context["request"]
        return Project.objects.for_tenant(request.user.tenant_id).filter(deleted_at__isnull=True)


class BlueprintSerializer(StrictModelSerializer):
    project = TenantProjectField()
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)
    current_version = serializers.IntegerField(
        source="current_version.version_number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Blueprint
        fields = [
            "id", "project", "name", "description", "scope", "primary_provider", "lifecycle_state",
            "current_version", "revision", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "current_version", "revision", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        validators: list = []


class ComponentInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=255)
    type = serializers.CharField(max_length=100)
    provider = serializers.CharField(max_length=50)
    region = serializers.CharField(max_length=50, required=False)
    display_name = serializers.CharField(max_length=255, required=False)
    properties = serializers.DictField(required=False, default=dict)
    tags = serializers.DictField(required=False, default=dict)
    depends_on = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, default=list
    )


class RelationInputSerializer(StrictSerializer):
    to = serializers.CharField(max_length=255)
    type = serializers.CharField(max_length=50, required=False, default="depends_on")
    properties = serializers.DictField(required=False, default=dict)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=255)  # `from` is a Python keyword
        return fields


class GraphSerializer(StrictSerializer):
    components = ComponentInputSerializer(many=True)
    relations = RelationInputSerializer(many=True, required=False, default=list)

    def to_internal_value(self, data):
        # Checked before any per-component work, so an oversized graph is refused cheaply.
        limit = settings.DHARMA_MAX_COMPONENTS
        components = data.get("components") if isinstance(data, dict) else None
        if isinstance(components, list) and len(components) > limit:
            message = f"At most {limit} components per version, got {len(components)}."
            raise serializers.ValidationError({"components": [message]})
        return super().to_internal_value(data)


class VersionCreateSerializer(StrictSerializer):
    graph = GraphSerializer()
    tag = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)


class ValidateRequestSerializer(StrictSerializer):
    graph = GraphSerializer()
    name = serializers.CharField(max_length=255, required=False, allow_null=True, default=None)


class VersionSerializer(serializers.ModelSerializer):
    blueprint = serializers.UUIDField(source="blueprint_id", read_only=True)
    parent_version = serializers.IntegerField(
        source="parent_version.version_number", read_only=True, allow_null=True, default=None
    )
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)

    class Meta:
        model = BlueprintVersion
        fields = [
            "id", "blueprint", "version_number", "parent_version", "tag", "status", "graph_hash",
            "metadata", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class VersionDetailSerializer(VersionSerializer):
    project = serializers.UUIDField(source="blueprint.project_id", read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "project", "graph_json"]
        read_only_fields = fields


class DiffQuerySerializer(StrictSerializer):
    to = serializers.IntegerField(min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField(min_value=1)
        return fields


class TemplateSerializer(StrictModelSerializer):
    tenant = serializers.UUIDField(source="tenant_id", read_only=True, allow_null=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)
    component_count = serializers.SerializerMethodField()

    class Meta:
        model = Template
        fields = [
            "id", "tenant", "name", "description", "category", "provider", "is_public",
            "usage_count", "tags", "component_count", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "tenant", "usage_count", "created_by", "created_at", "updated_at"]

    def get_component_count(self, template: Template) -> int:
        return len(template.graph_json.get("components", []))


class TemplateCreateSerializer(TemplateSerializer):
    """Create from a stored version of one of the caller's blueprints."""

    blueprint = serializers.UUIDField(write_only=True)
    version = serializers.IntegerField(min_value=1, write_only=True)

    class Meta(TemplateSerializer.Meta):
        fields = [*TemplateSerializer.Meta.fields, "blueprint", "version"]


class TemplateInstantiateSerializer(StrictSerializer):
    project = TenantProjectField()
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
