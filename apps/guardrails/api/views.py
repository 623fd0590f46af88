from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.blueprints.models import BlueprintVersion
from apps.guardrails import services
from apps.guardrails.api.renderers import JUnitRenderer, SarifRenderer
from apps.guardrails.api.serializers import (
    EvaluationCreateSerializer,
    EvaluationListSerializer,
    EvaluationSerializer,
    FalsePositiveSerializer,
    FindingRowSerializer,
    PolicySerializer,
    WaiverSerializer,
    WaiverUpdateSerializer,
)
from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation

READERS = ("guardrail", "policy", "governance")


def reports_of(status_code: int) -> dict:
    """An evaluation as JSON, or (`?format=`) as a SARIF 2.1.0 log or a JUnit XML report."""
    return {
        (status_code, "application/json"): EvaluationSerializer,
        (status_code, "application/sarif+json"): OpenApiTypes.OBJECT,
        (status_code, "application/xml"): OpenApiTypes.STR,
    }


class TrendQuerySerializer(serializers.Serializer):
    blueprint = serializers.UUIDField()


class PolicyViewSet(TenantScopedViewSet):
    """Guardrail policies in force: the built-in pack (read-only) and the tenant's own, whose
    rules (JSON) are validated on save. EA (policy), TA (guardrail) and Admin manage."""

    queryset = GovernancePolicy.objects.all()
    serializer_class = PolicySerializer
    permission_resource = ("policy", "guardrail")
    owner_field = None
    conflict_actions = frozenset({"create", "update", "partial_update"})  # a code in use
    filterset_fields = ["status", "category", "policy_type", "enforcement_level"]
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "created_at"]
    ordering = ["code"]

    def rbac_resources(self):
        return READERS if self.action in {"list", "retrieve"} else self.permission_resource

    def get_queryset(self):
        return GovernancePolicy.objects.filter(
            Q(tenant__isnull=True) | Q(tenant_id=self.tenant_id), deleted_at__isnull=True
        )

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if obj.tenant_id is None and self.action not in {"retrieve"}:
            self.permission_denied(
                request, message="Built-in policies are read-only; add a policy of your own."
            )

    def perform_create(self, serializer):
        serializer.instance = services.policy_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.policy_update(
            policy=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.policy_delete(policy=instance)


class EvaluationViewSet(TenantScopedViewSet):
    """Evaluations of blueprint versions against the policies in force, newest first.
    `?format=sarif` (SARIF 2.1.0) and `?format=junit` render one evaluation for CI."""

    queryset = GuardrailEvaluation.objects.select_related("blueprint_version")
    permission_resource = ("guardrail", "policy")
    owner_field = "created_by"
    project_field = "project"
    http_method_names = ["get", "post", "head", "options"]
    listing_actions = frozenset({"list", "trend"})
    filterset_fields = ["blueprint", "blueprint_version", "passed", "blocked"]
    ordering = ["-created_at"]

    def rbac_resources(self):
        return READERS if self.action != "create" else self.permission_resource

    def get_renderers(self):
        renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]
        if self.action in {"create", "retrieve"}:
            renderers += [SarifRenderer(), JUnitRenderer()]
        return renderers

    def get_serializer_class(self):
        if self.action == "create":
            return EvaluationCreateSerializer
        return EvaluationListSerializer if self.action == "list" else EvaluationSerializer

    @extend_schema(
        request=EvaluationCreateSerializer,
        responses=reports_of(201),
        parameters=[
            OpenApiParameter("format", str, enum=["json", "sarif", "junit"], required=False)
        ],
    )
    def create(self, request, *args, **kwargs):
        data = EvaluationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        versions = BlueprintVersion.objects.select_related("blueprint__project").filter(
            blueprint__project__tenant_id=self.tenant_id, blueprint__deleted_at__isnull=True
        )
        version = get_object_or_404(versions, pk=data.validated_data["blueprint_version"])
        self.check_project(version.blueprint.project)
        evaluation = services.evaluation_create(
            user=request.user,
            version=version,
            environment=data.validated_data["environment"],
        )
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=reports_of(200),
        parameters=[
            OpenApiParameter("format", str, enum=["json", "sarif", "junit"], required=False)
        ],
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("blueprint", str, required=True)],
        responses=inline_serializer(
            "ComplianceTrend",
            {
                "blueprint": serializers.UUIDField(),
                "status": serializers.ChoiceField(
                    choices=["compliant", "non-compliant", "not-evaluated"]
                ),
                "score": serializers.IntegerField(allow_null=True),
                "trend": serializers.ChoiceField(
                    choices=["improving", "degrading", "stable"], allow_null=True
                ),
                "last_evaluated": serializers.DateTimeField(allow_null=True),
                "history": EvaluationListSerializer(many=True),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def trend(self, request):
        """The compliance of one blueprint: its latest score and status, and whether it is
        improving or degrading (the score moved more than 5 points since the evaluation before)."""
        query = TrendQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # the one error shape, with the field
        blueprint_id = query.validated_data["blueprint"]
        history = list(self.get_queryset().filter(blueprint_id=blueprint_id)[:10])
        latest = history[0] if history else None
        trend = None
        if len(history) >= 2:
            delta = history[0].score - history[1].score
            trend = "improving" if delta > 5 else "degrading" if delta < -5 else "stable"
        return Response(
            {
                "blueprint": str(blueprint_id),
                "status": (
                    "not-evaluated"
                    if latest is None
                    else "compliant"
                    if latest.passed
                    else "non-compliant"
                ),
                "score": latest.score if latest else None,
                "trend": trend,
                "last_evaluated": latest.created_at if latest else None,
                "history": EvaluationListSerializer(history, many=True).data,
            }
        )


class FindingViewSet(TenantScopedViewSet):
    """Findings as they stand (policy_violations): open, exempted (waived), false positive,
    remediated. `POST {id}/false-positive/` `{reason}` marks one a false positive (who, why and
    when are recorded; the only way a hard-fail finding stops blocking), `DELETE` undoes it;
    both need the guardrail `override` action, as waivers do (TA, Admin)."""

    queryset = PolicyViolation.objects.select_related("policy")
    serializer_class = FindingRowSerializer
    permission_resource = READERS
    owner_field = None
    project_field = "project"
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["status", "severity", "policy", "resource_id"]
    search_fields = ["resource_name", "violation_details"]
    ordering = ["-detected_at"]
    extra_actions = {"false_positive": "override"}

    def rbac_resources(self):
        return "guardrail" if self.action == "false_positive" else READERS

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)  # findings are made by evaluations

    @extend_schema(exclude=True)
    def destroy(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)  # a finding is remediated, never deleted

    @extend_schema(
        methods=["POST"], request=FalsePositiveSerializer, responses=FindingRowSerializer
    )
    @extend_schema(methods=["DELETE"], request=None, responses={200: FindingRowSerializer})
    @action(detail=True, methods=["post", "delete"], url_path="false-positive")
    def false_positive(self, request, pk=None):
        finding = self.get_object()
        if request.method == "DELETE":
            finding = services.finding_unmark_false_positive(finding=finding)
        else:
            data = FalsePositiveSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            finding = services.finding_mark_false_positive(
                finding=finding, user=request.user, reason=data.validated_data["reason"]
            )
        return Response(FindingRowSerializer(finding).data)


class WaiverViewSet(TenantScopedViewSet):
    """Waivers: exemptions of findings of soft-fail policies, each naming who approved it, why
    and until when. Needs the guardrail `override` action (TA, Admin). Deleting revokes."""

    queryset = PolicyViolation.objects.select_related("policy").filter(exemption_approved=True)
    serializer_class = FindingRowSerializer
    permission_resource = "guardrail"
    owner_field = None
    project_field = "project"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["status", "policy", "resource_id"]
    ordering = ["-updated_at"]

    def rbac_action(self):
        return "read" if self.action in {"list", "retrieve"} else "override"

    def rbac_resources(self):
        return READERS if self.action in {"list", "retrieve"} else "guardrail"

    @extend_schema(request=WaiverSerializer, responses={201: FindingRowSerializer})
    def create(self, request, *args, **kwargs):
        data = WaiverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        findings = PolicyViolation.objects.for_tenant(self.tenant_id)
        finding = get_object_or_404(findings, pk=data.validated_data["finding"])
        if finding.project_id is not None:
            self.check_project(finding.project)
        waived = services.waiver_grant(
            finding=finding,
            user=request.user,
            reason=data.validated_data["reason"],
            expires_at=data.validated_data["expires_at"],
        )
        return Response(FindingRowSerializer(waived).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WaiverUpdateSerializer, responses=FindingRowSerializer)
    def partial_update(self, request, *args, **kwargs):
        finding = self.get_object()
        data = WaiverUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        waived = services.waiver_grant(
            finding=finding,
            user=request.user,
            reason=data.validated_data.get("reason", finding.exemption_reason),
            expires_at=data.validated_data.get("expires_at", finding.exemption_expires_at),
        )
        return Response(FindingRowSerializer(waived).data)

    def perform_destroy(self, instance):
        services.waiver_revoke(finding=instance)
