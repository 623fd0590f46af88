from rest_framework import serializers

from apps.accounts.models import Environment, Project, ProjectMember
from apps.core.api.serializers import StrictModelSerializer


class ProjectSerializer(StrictModelSerializer):
    owner = serializers.UUIDField(source="owner_id", read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id", "name", "code", "description", "owner", "status", "scope", "primary_provider",
            "tags", "metadata", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "owner", "created_at", "updated_at"]
        # Uniqueness per tenant is checked by the service (409), not by a form validator.
        validators: list = []


class EnvironmentSerializer(StrictModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)

    class Meta:
        model = Environment
        fields = [
            "id",
            "project",
            "name",
            "type",
            "description",
            "config",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "project", "created_at", "updated_at"]
        validators: list = []


class ProjectMemberSerializer(StrictModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)
    user = serializers.UUIDField(source="user_id")
    email = serializers.EmailField(source="user.email", read_only=True)
    added_by = serializers.UUIDField(source="added_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ProjectMember
        fields = ["id", "project", "user", "email", "added_by", "created_at"]
        read_only_fields = ["id", "project", "email", "added_by", "created_at"]
