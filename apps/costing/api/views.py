"""Costing API: thin viewsets over apps/costing/services.py and selectors.py. Every viewset
derives from TenantScopedViewSet (tenant narrowing, role checks, project-scoped grants)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.blueprints.models import BlueprintVersion
from apps.costing import selectors, services
from apps.costing.api.renderers import CostTableRenderer
from apps.costing.api.serializers import (
    BudgetAlertSerializer,
    BudgetAllocationSerializer,
    BudgetSpendingCreateSerializer,
    BudgetSpendingSerializer,
    CostDiffQuerySerializer,
    CostEstimateCreateSerializer,
    CostEstimateDetailSerializer,
    CostEstimateSerializer,
    CostRecommendationBatchSerializer,
    CostRecommendationCreateSerializer,
    CostRecommendationSerializer,
    CostRecommendationStatusSerializer,
)
from apps.costing.cost_diff import diff_estimates
from apps.costing.filtersets import (
    BudgetAlertFilter,
    CostEstimateFilter,
    CostRecommendationFilter,
)
from apps.costing.models import BudgetAlert, CostEstimate, CostOptimizationRecommendation

RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CostTableRenderer]


class CostEstimateViewSet(TenantScopedViewSet):
    """Priced blueprint versions. Creating one only reads the blueprint, so it needs
    costing:read (the grant most roles hold), on the version's project."""

    queryset = CostEstimate.objects.select_related("blueprint_version")
    serializer_class = CostEstimateSerializer
    permission_resource = "costing"
    owner_field = "created_by"
    project_field = "project"
    extra_actions = {"create": "read", "diff": "read"}
    http_method_names = ["get", "post", "head", "options"]
    renderer_classes = RENDERERS
    filterset_class = CostEstimateFilter
    ordering_fields = ["created_at", "monthly_total"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer("lines", "unpriced")
        return queryset

    def get_serializer_class(self):
        return CostEstimateSerializer if self.action == "list" else CostEstimateDetailSerializer

    @extend_schema(
        request=CostEstimateCreateSerializer, responses={201: CostEstimateDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = CostEstimateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = selectors.blueprint_version_get(
            tenant_id=self.tenant_id, pk=data.validated_data["blueprint_version"]
        )
        self.check_project(version.blueprint.project)
        estimate = services.cost_estimate_create(
            user=request.user, version=version, options=data.validated_data.get("options")
        )
        return Response(CostEstimateDetailSerializer(estimate).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("blueprint", str, required=True, description="blueprint id"),
            OpenApiParameter("from", int, required=True, description="version number"),
            OpenApiParameter("to", int, required=True, description="version number"),
            OpenApiParameter("include_support", bool),
            OpenApiParameter("include_network_egress", bool),
            OpenApiParameter("include_backup", bool),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def diff(self, request):
        """Monthly cost of two versions of a blueprint, line by line (added, removed, changed),
        priced now with the same options, like `infracost diff`."""
        params = {k: v for k, v in request.query_params.items() if k != "format"}
        query = CostDiffQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        blueprint = selectors.blueprint_get(tenant_id=self.tenant_id, pk=values["blueprint"])
        self.check_project(blueprint.project)
        options = {
            key: values[key]
            for key in ("include_support", "include_network_egress", "include_backup")
        }
        estimates = [
            services.estimate_components(
                services.components_of(
                    get_object_or_404(
                        BlueprintVersion, blueprint=blueprint, version_number=values[which]
                    )
                ),
                options=options,
            )
            for which in ("from", "to")
        ]
        return Response(
            {
                "blueprint": str(blueprint.pk),
                "from": values["from"],
                "to": values["to"],
                "options": options,
                **diff_estimates(*estimates),
            }
        )


class BudgetAllocationViewSet(TenantScopedViewSet):
    """Budgets (budget_allocations) with what has been spent; spending is appended through
    `POST …/{id}/spending/`. Project managers manage their projects' budgets."""

    queryset = selectors.budget_allocation_list()
    serializer_class = BudgetAllocationSerializer
    permission_resource = "budget"
    owner_field = None
    project_field = "project"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["project", "fiscal_year", "status", "category"]
    conflict_actions = frozenset({"spending"})  # spending on an allocation that is not active
    ordering = ["-fiscal_year", "-effective_date"]

    def rbac_action(self) -> str | None:
        if self.action == "spending":
            return "update" if self.request.method == "POST" else "read"
        return super().rbac_action()

    def perform_create(self, serializer):
        self.check_project(serializer.validated_data["project"])
        allocation = services.budget_allocation_create(
            user=self.request.user, **serializer.validated_data
        )
        serializer.instance = selectors.budget_allocation_list().get(pk=allocation.pk)

    def perform_update(self, serializer):
        fields = {k: v for k, v in serializer.validated_data.items() if k != "project"}
        allocation = services.budget_allocation_update(allocation=serializer.instance, **fields)
        serializer.instance = selectors.budget_allocation_list().get(pk=allocation.pk)

    @extend_schema(
        methods=["GET"],
        operation_id="v1_budgets_spending_list",
        responses=BudgetSpendingSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        operation_id="v1_budgets_spending_create",
        request=BudgetSpendingCreateSerializer,
        responses={201: dict},
    )
    @action(detail=True, methods=["get", "post"])
    def spending(self, request, pk=None):
        """GET: the allocation's spending, newest first. POST: append spending (never edited);
        the response lists the budget alerts it raised."""
        allocation = self.get_object()
        if request.method == "GET":
            rows = allocation.spendings.order_by("-spending_date", "-recorded_at")
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(BudgetSpendingSerializer(page, many=True).data)
        data = BudgetSpendingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spending, alerts = services.budget_spending_record(
            user=request.user, allocation=allocation, **data.validated_data
        )
        return Response(
            {
                "spending": BudgetSpendingSerializer(spending).data,
                "alerts": BudgetAlertSerializer(alerts, many=True).data,
            },
            status=status.HTTP_201_CREATED,
        )


class BudgetAlertViewSet(TenantScopedViewSet):
    """Budget alerts (90 % warning, 100 % critical), acknowledged by whoever manages budgets."""

    queryset = BudgetAlert.objects.all()
    serializer_class = BudgetAlertSerializer
    permission_resource = "budget"
    owner_field = None
    project_field = "project"
    extra_actions = {"acknowledge": "update"}
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = BudgetAlertFilter
    ordering = ["-created_at"]

    @extend_schema(exclude=True)  # alerts are raised by spending and estimates
    def create(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=None, responses=BudgetAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = services.budget_alert_acknowledge(user=request.user, alert=self.get_object())
        return Response(BudgetAlertSerializer(alert).data)


class CostRecommendationViewSet(TenantScopedViewSet):
    """Cost optimisation recommendations, generated for a blueprint version from catalog
    prices (`POST {blueprint_version}`), then moved to implemented or dismissed."""

    queryset = CostOptimizationRecommendation.objects.all()
    serializer_class = CostRecommendationSerializer
    permission_resource = "cost-optimization"
    owner_field = None
    project_field = "project"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = CostRecommendationFilter
    ordering = ["-potential_savings", "created_at"]

    @extend_schema(
        request=CostRecommendationCreateSerializer,
        responses={200: CostRecommendationBatchSerializer, 201: CostRecommendationBatchSerializer},
    )
    def create(self, request, *args, **kwargs):
        """201 when new recommendations were stored, 200 when the version had them all."""
        data = CostRecommendationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = selectors.blueprint_version_get(
            tenant_id=self.tenant_id, pk=data.validated_data["blueprint_version"]
        )
        self.check_project(version.blueprint.project)
        recommendations, created = services.cost_recommendations_generate(
            user=request.user, version=version
        )
        return Response(
            {
                "created": created,
                "results": CostRecommendationSerializer(recommendations, many=True).data,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=CostRecommendationStatusSerializer, responses=CostRecommendationSerializer
    )
    def partial_update(self, request, *args, **kwargs):
        recommendation = self.get_object()
        data = CostRecommendationStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.cost_recommendation_set_status(
            user=request.user, recommendation=recommendation, **data.validated_data
        )
        return Response(CostRecommendationSerializer(updated).data)
