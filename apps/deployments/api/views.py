"""Deployments API: approvals, executions and logs, thin over services and selectors.

Roles (resource `deployment`): every role holding `read` reads (EA, TA, PM, SE, Consultant,
Admin); requesting an approval needs `create` or `execute` (TA, SE, Admin); approving and
rejecting need `approve` (PM, Admin); the requester or an approver may cancel a request;
creating, cancelling and rolling back executions need `execute` (SE, Admin). Project-scoped
grants reach their holder's projects. Another tenant's rows are 404s.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts import rbac
from apps.accounts.api.viewsets import ACTIONS, RolePermission, TenantScopedViewSet
from apps.deployments import selectors, services
from apps.deployments.api.serializers import (
    ApprovalCreateSerializer,
    ApprovalDetailSerializer,
    ApprovalSerializer,
    CommentSerializer,
    ExecutionCreateSerializer,
    ExecutionDetailSerializer,
    ExecutionSerializer,
    LogSerializer,
    ReasonSerializer,
)
from apps.deployments.filtersets import ApprovalFilter, ExecutionFilter, LogFilter
from apps.deployments.models import DeploymentApproval
from apps.iac.models import IacGeneration


class AnyActionPermission(RolePermission):
    """RolePermission where a view action may be opened by any of several grants (the
    widest scope wins)."""

    def _scope(self, request, view) -> int | None:
        actions = view.rbac_actions()
        if actions is None:
            scope: int | None = rbac.TENANT
        else:
            held = [
                rank
                for name in actions
                if (rank := rbac.scope_for_any(request.user, view.rbac_resources(), name))
                is not None
            ]
            scope = max(held) if held else None
        request.rbac_scope = scope
        return scope


class DeploymentViewSet(TenantScopedViewSet):
    permission_classes = [permissions.IsAuthenticated, AnyActionPermission]
    permission_resource = "deployment"
    project_field = "project"
    http_method_names = ["get", "post", "head", "options"]
    # The grants that open each action (any one of them).
    action_grants: dict[str, tuple[str, ...]] = {}

    def rbac_actions(self) -> tuple[str, ...] | None:
        if self.action in self.open_actions:
            return None
        return self.action_grants.get(self.action) or (ACTIONS.get(self.action or "", "read"),)

    def _approval(self, pk) -> DeploymentApproval | None:
        if pk is None:
            return None
        approvals = DeploymentApproval.objects.for_tenant(self.tenant_id).filter(
            deleted_at__isnull=True
        )
        return get_object_or_404(approvals.select_related("generation"), pk=pk)

    def _generation(self, pk) -> IacGeneration | None:
        if pk is None:
            return None
        return get_object_or_404(IacGeneration.objects.for_tenant(self.tenant_id), pk=pk)


class ApprovalViewSet(DeploymentViewSet):
    """Requests to deploy a blueprint version to an environment: pending → approved / rejected
    / cancelled, each change in the history. A request records the version's monthly estimate
    against the environment's budget (what the approver approves)."""

    queryset = selectors.approval_list()
    owner_field = "requested_by"
    filterset_class = ApprovalFilter
    # A request already pending; a transition the approval's state does not allow.
    conflict_actions = frozenset({"create", "approve", "reject", "cancel"})
    ordering_fields = ["requested_at", "priority", "status"]
    ordering = ["-requested_at"]
    action_grants = {
        "create": ("create", "execute"),
        "approve": ("approve",),
        "reject": ("approve",),
        "cancel": ("approve", "create", "execute"),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = selectors.with_history(queryset)
        return queryset

    def get_serializer_class(self):
        return ApprovalSerializer if self.action == "list" else ApprovalDetailSerializer

    def _detail(self, pk) -> dict:
        return ApprovalDetailSerializer(selectors.approval_detail().get(pk=pk)).data

    @extend_schema(request=ApprovalCreateSerializer, responses={201: ApprovalDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = ApprovalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = selectors.tenant_version_get(
            tenant_id=self.tenant_id, pk=values.pop("blueprint_version")
        )
        environment = selectors.tenant_environment_get(
            tenant_id=self.tenant_id, pk=values.pop("environment")
        )
        self.check_project(environment.project)
        approval = services.approval_create(
            user=request.user,
            version=version,
            environment=environment,
            generation=self._generation(values.pop("generation")),
            **values,
        )
        return Response(self._detail(approval.pk), status=status.HTTP_201_CREATED)

    def _move(self, request, change):
        approval = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change(user=request.user, approval=approval, comment=data.validated_data["comment"])
        return Response(self._detail(approval.pk))

    @extend_schema(request=CommentSerializer, responses=ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """pending → approved (PM, Admin). 409 with the current state otherwise."""
        return self._move(request, services.approval_approve)

    @extend_schema(request=CommentSerializer, responses=ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """pending → rejected (PM, Admin). 409 with the current state otherwise."""
        return self._move(request, services.approval_reject)

    @extend_schema(request=CommentSerializer, responses=ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """pending → cancelled, by the requester or an approver."""
        approval = self.get_object()
        if approval.requested_by_id != request.user.pk:
            scope = rbac.scope_for(request.user, "deployment", "approve")
            reaches = scope == rbac.TENANT or (
                scope == rbac.PROJECT and self.in_callers_projects(approval.project_id)
            )
            if not reaches:
                self.permission_denied(
                    request, message="Only the requester or an approver can cancel a request."
                )
        return self._move(request, services.approval_cancel)


class ExecutionViewSet(DeploymentViewSet):
    """Executions of deployments, with their steps and logs. Creating one checks the gates
    (409 naming the gate that refused, with its figures) and queues it; it plans and does not
    apply: a completed execution has `applied: false` and `outcome: planned`."""

    queryset = selectors.execution_list()
    owner_field = "started_by"
    filterset_class = ExecutionFilter
    # A gate refused, an execution already running, a transition not allowed, nothing to roll
    # back to.
    conflict_actions = frozenset({"create", "cancel", "rollback"})
    ordering_fields = ["created_at", "started_at", "completed_at", "status"]
    ordering = ["-created_at"]
    action_grants = {"create": ("execute",), "cancel": ("execute",), "rollback": ("execute",)}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = selectors.with_steps_and_logs(queryset)
        return queryset

    def get_serializer_class(self):
        return ExecutionSerializer if self.action == "list" else ExecutionDetailSerializer

    def _detail(self, pk) -> dict:
        return ExecutionDetailSerializer(selectors.execution_detail().get(pk=pk)).data

    @extend_schema(request=ExecutionCreateSerializer, responses={202: ExecutionDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = ExecutionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        version = selectors.tenant_version_get(
            tenant_id=self.tenant_id, pk=values["blueprint_version"]
        )
        environment = selectors.tenant_environment_get(
            tenant_id=self.tenant_id, pk=values["environment"]
        )
        self.check_project(environment.project)
        execution = services.execution_create(
            user=request.user,
            version=version,
            environment=environment,
            approval=self._approval(values["approval"]),
            generation=self._generation(values["generation"]),
            format=values["format"],
            deployment_type=values["deployment_type"],
        )
        return Response(self._detail(execution.pk), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ReasonSerializer, responses=ExecutionDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """pending or in-progress → cancelled; 409 with the current state otherwise."""
        execution = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.execution_cancel(
            user=request.user, execution=execution, reason=data.validated_data["reason"]
        )
        return Response(self._detail(execution.pk))

    @extend_schema(request=ReasonSerializer, responses={202: ExecutionDetailSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """A new execution (type rollback) of the version deployed before this one, which must
        be the environment's current deployment; 409 when nothing was deployed before it. The
        original becomes rolled-back when the rollback completes."""
        execution = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rollback = services.execution_rollback(
            user=request.user, execution=execution, reason=data.validated_data["reason"]
        )
        return Response(self._detail(rollback.pk), status=status.HTTP_202_ACCEPTED)


class LogViewSet(DeploymentViewSet):
    """Execution logs, newest first: `?level=warn&level=error`, `?execution=`, `?step=`."""

    queryset = selectors.log_list()
    serializer_class = LogSerializer
    project_field = "execution__project"
    owner_field = "execution__started_by"
    filterset_class = LogFilter
    ordering = ["-timestamp"]
    http_method_names = ["get", "head", "options"]
