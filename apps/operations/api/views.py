"""Incidents API: an incident opened from a failed deployment execution
(`POST /api/v1/deployments/executions/{id}/incident/`). Needs the `incident` `create` grant
(SE, Admin) reaching the execution's project; another tenant's execution is a 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.deployments import selectors as deployment_selectors
from apps.operations import services
from apps.operations.api.serializers import IncidentFromExecutionSerializer, IncidentSerializer
from apps.operations.models import Incident


class ExecutionIncidentViewSet(TenantScopedViewSet):
    queryset = deployment_selectors.execution_list()
    permission_resource = "incident"
    extra_actions = {"incident": "create"}
    conflict_actions = frozenset({"incident"})  # not failed, or an open incident exists
    owner_field = "started_by"
    project_field = "project"
    serializer_class = IncidentSerializer

    @extend_schema(
        request=IncidentFromExecutionSerializer,
        responses={201: IncidentSerializer},
        operation_id="deployments_executions_incident_create",
    )
    def incident(self, request, pk=None):
        """Open an incident from a failed execution (409 when the execution is not failed, or
        an open incident about it exists)."""
        execution = self.get_object()
        data = IncidentFromExecutionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_from_execution(
            user=request.user, execution=execution, **data.validated_data
        )
        fresh = Incident.objects.prefetch_related("timeline").get(pk=incident.pk)
        return Response(IncidentSerializer(fresh).data, status=status.HTTP_201_CREATED)
