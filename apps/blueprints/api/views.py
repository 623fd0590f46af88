import hashlib

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts import rbac
from apps.accounts.api.viewsets import RolePermission, TenantScopedViewSet
from apps.blueprints import caching, selectors, services
from apps.blueprints.api.serializers import (
    BlueprintSerializer,
    DiffQuerySerializer,
    TemplateCreateSerializer,
    TemplateInstantiateSerializer,
    TemplateSerializer,
    ValidateRequestSerializer,
    VersionCreateSerializer,
    VersionDetailSerializer,
    VersionSerializer,
)
from apps.blueprints.models import Blueprint, Template
from apps.blueprints.validation import validate_graph
from apps.core.api.caching import cached_response, current_life, write_through


class BlueprintViewSet(TenantScopedViewSet):
    """Blueprints of the caller's tenant, filterable by project, lifecycle state and provider."""

    queryset = Blueprint.objects.select_related("current_version", "project")
    serializer_class = BlueprintSerializer
    permission_resource = "blueprint"
    owner_field = "created_by"
    project_field = "project"
    conflict_actions = frozenset({"create", "update", "partial_update"})  # a name in use
    filterset_fields = ["project", "lifecycle_state", "primary_provider", "scope"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]

    def perform_create(self, serializer):
        self.check_project(serializer.validated_data["project"])
        serializer.instance = services.blueprint_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        if "project" in serializer.validated_data:
            self.check_project(serializer.validated_data["project"])
        life = current_life()  # before the write: its result is stored only in this Redis life
        serializer.instance = services.blueprint_update(
            blueprint=serializer.instance, **serializer.validated_data
        )
        self._write_through(serializer.instance, serializer.data, life)

    def perform_destroy(self, instance):
        services.blueprint_delete(blueprint=instance)

    # --- Redis response cache: reads keyed by the tenant's content generation -------------

    def _cached(self, view: str, key_for, build, reaches=None, **options):
        """Serve from the cache what the caller may read. Responses are shared by the tenant;
        a caller with a project-scoped grant is served a stored one only when `reaches(data)`
        (the row is in one of their projects), else it is built with the full check. Callers
        with only an own-scoped grant are not served from the cache."""
        scope = rbac.scope_for(self.request.user, "blueprint", "read")
        if scope is None:
            self.permission_denied(self.request, message=RolePermission.message)
        self.request.rbac_scope = scope  # type: ignore[attr-defined]
        if scope == rbac.OWN:
            return build()
        if scope == rbac.PROJECT and reaches is not None:
            fresh = options.pop("still_fresh", None)
            options["still_fresh"] = lambda data: reaches(data) and (fresh is None or fresh(data))
        tenant = self.request.user.tenant  # type: ignore[union-attr]
        return cached_response(view, key_for(tenant), build, **options)

    def _in_projects(self, data: dict) -> bool:
        return self.in_callers_projects(data["project"])

    def retrieve(self, request, *args, **kwargs):
        return self._cached(
            "blueprint-detail",
            lambda tenant: caching.detail_key(tenant, kwargs["pk"]),
            lambda: super(BlueprintViewSet, self).retrieve(request, *args, **kwargs),
            reaches=self._in_projects,
            revision_of=lambda data: data["revision"],
        )

    def _write_through(self, blueprint: Blueprint, data: dict, life: str | None) -> None:
        """A write's resulting detail is the next read's response: store it at its revision
        (`life`: the Redis life seen before the write)."""
        tenant = self.request.user.tenant  # type: ignore[union-attr]
        write_through(
            "blueprint-detail",
            caching.detail_key(tenant, blueprint.pk),
            blueprint.revision,
            data,
            life=life,
        )

    def list(self, request, *args, **kwargs):
        query = "&".join(sorted(request.GET.urlencode().split("&")))
        if rbac.scope_for(request.user, "blueprint", "read") == rbac.PROJECT:
            # The page holds the caller's projects' blueprints and their own: keyed by both.
            projects = ",".join(sorted(rbac.member_projects(request.user)))
            reach = hashlib.sha256(projects.encode()).hexdigest()[:16]
            query = f"{query}|reach={request.user.pk}:{reach}"
        unfiltered = set(request.GET) <= {"page", "page_size"}
        return self._cached(
            "blueprint-list",
            lambda tenant: caching.list_key(tenant, query, unfiltered=unfiltered),
            lambda: super(BlueprintViewSet, self).list(request, *args, **kwargs),
            still_fresh=self._items_unchanged if unfiltered else None,
        )

    def _items_unchanged(self, page: dict) -> bool:
        """A cached page of the unfiltered list is current when each of its blueprints still
        exists with the same `updated_at` (one indexed query instead of rebuilding the page)."""
        shown = {(item["id"], item["updated_at"]) for item in page["results"]}
        rows = Blueprint.objects.filter(
            pk__in=[blueprint_id for blueprint_id, _ in shown], deleted_at__isnull=True
        ).values_list("id", "updated_at")
        as_shown = serializers.DateTimeField().to_representation
        return {(str(pk), as_shown(updated_at)) for pk, updated_at in rows} == shown

    def rbac_action(self) -> str | None:
        if self.action == "versions" and self.request.method == "POST":
            return "update"  # a new version changes the blueprint
        if self.action in {"versions", "version_detail", "diff", "validate"}:
            return "read"
        return super().rbac_action()

    @extend_schema(
        methods=["GET"],
        operation_id="v1_blueprints_versions_list",
        responses=VersionSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        operation_id="v1_blueprints_versions_create",
        request=VersionCreateSerializer,
        responses={200: VersionDetailSerializer, 201: VersionDetailSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        """GET: the versions, newest first. POST: a new immutable version from a graph
        (200 with the current version when the graph is unchanged)."""
        blueprint = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.blueprint_version_list(blueprint=blueprint))
            return self.get_paginated_response(VersionSerializer(page, many=True).data)
        data = VersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        life = current_life()
        version, created = services.blueprint_version_create(
            user=request.user, blueprint=blueprint, **data.validated_data
        )
        if created:
            self._write_through(
                version.blueprint, BlueprintSerializer(version.blueprint).data, life
            )
        return Response(
            VersionDetailSerializer(version).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="v1_blueprints_versions_retrieve", responses=VersionDetailSerializer
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]{1,9})")
    def version_detail(self, request, pk=None, number=None):
        """One version with its whole graph."""

        def build():
            version = selectors.blueprint_version_get(
                blueprint=self.get_object(), number=int(number)
            )
            return Response(VersionDetailSerializer(version).data)

        return self._cached(
            "blueprint-version-detail",
            lambda tenant: caching.version_key(tenant, pk, number),
            build,
            reaches=self._in_projects,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="version number"),
            OpenApiParameter("to", int, required=True, description="version number"),
        ],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Added, removed and changed components between two versions, with changed paths."""
        blueprint = self.get_object()
        query = DiffQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        numbers = query.validated_data
        stored = services.blueprint_diff_get_or_create(
            from_version=selectors.blueprint_version_get(
                blueprint=blueprint, number=numbers["from"]
            ),
            to_version=selectors.blueprint_version_get(blueprint=blueprint, number=numbers["to"]),
        )
        return Response({"from": numbers["from"], "to": numbers["to"], **stored.diff_json})

    @extend_schema(request=ValidateRequestSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def validate(self, request):
        """Validate a graph without saving it: errors block a version, warnings advise."""
        data = ValidateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = validate_graph(
            data.validated_data["graph"], blueprint_name=data.validated_data["name"]
        )
        return Response(result.as_dict())


class TemplateViewSet(TenantScopedViewSet):
    """Reusable graphs: the caller's tenant's templates plus public ones (read-only to others).
    Created from a stored version; instantiated into a new blueprint with that graph as v1."""

    queryset = Template.objects.all()
    serializer_class = TemplateSerializer
    permission_resource = "blueprint"
    owner_field = "created_by"
    extra_actions = {"instantiate": "create"}
    conflict_actions = frozenset({"instantiate"})  # the blueprint's name in use
    filterset_fields = ["category", "provider", "is_public"]
    search_fields = ["name", "description"]
    ordering = ["name"]

    def get_queryset(self):
        if self.action in {"list", "retrieve", "instantiate"}:
            # Public templates of any tenant are readable (and usable) by everyone.
            return Template.objects.filter(Q(tenant_id=self.tenant_id) | Q(is_public=True))
        return super().get_queryset()

    def get_serializer_class(self):
        return TemplateCreateSerializer if self.action == "create" else TemplateSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        blueprints = Blueprint.objects.for_tenant(self.tenant_id).filter(deleted_at__isnull=True)
        blueprint = get_object_or_404(blueprints, pk=data.pop("blueprint"))
        version = selectors.blueprint_version_get(blueprint=blueprint, number=data.pop("version"))
        serializer.instance = services.template_create(
            user=self.request.user, version=version, **data
        )

    @extend_schema(request=TemplateInstantiateSerializer, responses={201: BlueprintSerializer})
    @action(detail=True, methods=["post"])
    def instantiate(self, request, pk=None):
        template = self.get_object()
        data = TemplateInstantiateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        self.check_project(data.validated_data["project"])
        blueprint = services.template_instantiate(
            user=request.user, template=template, **data.validated_data
        )
        return Response(BlueprintSerializer(blueprint).data, status=status.HTTP_201_CREATED)
