from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.blueprints import services
from apps.blueprints.api.serializers import BlueprintSerializer
from apps.blueprints.models import Blueprint


class BlueprintViewSet(TenantScopedViewSet):
    """Blueprints of the caller's tenant, filterable by project, lifecycle state and provider."""

    queryset = Blueprint.objects.select_related("current_version")
    serializer_class = BlueprintSerializer
    permission_resource = "blueprint"
    owner_field = "created_by"
    filterset_fields = ["project", "lifecycle_state", "primary_provider", "scope"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.blueprint_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.blueprint_update(
            blueprint=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.blueprint_delete(blueprint=instance)
