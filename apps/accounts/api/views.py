from django.shortcuts import get_object_or_404

from apps.accounts import services
from apps.accounts.api.serializers import (
    EnvironmentSerializer,
    ProjectMemberSerializer,
    ProjectSerializer,
)
from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.accounts.models import Environment, Project, ProjectMember


class ProjectViewSet(TenantScopedViewSet):
    """Projects of the caller's tenant. Any member reads; administrators manage."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    permission_resource = "project"
    owner_field = None
    open_actions = frozenset({"list", "retrieve"})
    conflict_actions = frozenset({"create", "update", "partial_update"})  # a code in use
    filterset_fields = ["status", "scope", "primary_provider"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.project_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.project_update(
            project=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.project_delete(project=instance)


class ProjectChildViewSet(TenantScopedViewSet):
    """Rows of one project of the caller's tenant (`/projects/{project_pk}/…`)."""

    def project(self) -> Project:
        projects = Project.objects.for_tenant(self.tenant_id)
        return get_object_or_404(
            projects.filter(deleted_at__isnull=True), pk=self.kwargs["project_pk"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation
            return self.queryset.none()
        return super().get_queryset().filter(project=self.project())


class EnvironmentViewSet(ProjectChildViewSet):
    """Environments of one project (`/projects/{project_pk}/environments/`)."""

    queryset = Environment.objects.all()
    serializer_class = EnvironmentSerializer
    permission_resource = "project"
    owner_field = None
    open_actions = frozenset({"list", "retrieve"})
    conflict_actions = frozenset({"create", "update", "partial_update"})  # a name in use
    filterset_fields = ["type"]
    ordering = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.environment_create(
            project=self.project(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.environment_update(
            environment=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.environment_delete(environment=instance)


class ProjectMemberViewSet(ProjectChildViewSet):
    """Members of one project (`/projects/{project_pk}/members/`): whom project-scoped role
    grants reach it for. Any member of the tenant reads; administrators add and remove."""

    queryset = ProjectMember.objects.select_related("user")
    serializer_class = ProjectMemberSerializer
    permission_resource = "project"
    owner_field = None
    open_actions = frozenset({"list", "retrieve"})
    http_method_names = ["get", "post", "delete", "head", "options"]
    conflict_actions = frozenset({"create"})  # already a member
    ordering = ["created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.project_member_add(
            project=self.project(),
            user_id=serializer.validated_data["user_id"],
            added_by=self.request.user,
        )

    def perform_destroy(self, instance):
        services.project_member_remove(member=instance)
