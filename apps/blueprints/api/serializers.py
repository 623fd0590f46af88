from rest_framework import serializers

from apps.accounts.models import Project
from apps.blueprints.models import Blueprint
from apps.core.api.serializers import StrictModelSerializer


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
            "current_version", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "current_version", "created_by", "created_at", "updated_at"]
        validators: list = []
