"""The IaC API: generations (create, list, read, download as zip) and Terraform imports.

`?format=` filters generations by IaC format here, so it never selects a renderer (the API's
JSON is chosen by the Accept header alone on these routes).
"""

import io
import posixpath
import re
import zipfile

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.accounts.models import Project
from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.core.api.filters import TenantSafeFilterSet
from apps.core.api.parsers import LimitedFormParser, LimitedJSONParser, LimitedMultiPartParser
from apps.core.exceptions import DomainError
from apps.iac import selectors, services
from apps.iac.api.serializers import (
    GenerationCreateSerializer,
    GenerationListSerializer,
    GenerationSerializer,
    ImportResultSerializer,
    ImportSerializer,
)
from apps.iac.choices import GenerationStatus, IacFormat
from apps.iac.models import IacGeneration

MAX_IMPORT_FILES = 500


class _NoFormatOverride:
    """DRF's settings, but without the `?format=` renderer override."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class FormatIsAFilter(DefaultContentNegotiation):
    settings = _NoFormatOverride()  # type: ignore[assignment]


class GenerationFilter(TenantSafeFilterSet):
    format = filters.ChoiceFilter(choices=IacFormat.choices)
    status = filters.ChoiceFilter(choices=GenerationStatus.choices)

    class Meta:
        model = IacGeneration
        fields = ["blueprint_version", "blueprint", "project", "status", "format", "provider"]


class GenerationViewSet(TenantScopedViewSet):
    """IaC generations of blueprint versions, newest first. Generating needs the `iac` create
    grant (Technical Architect in their projects, Administrator) and a version the guardrails
    allow; reading needs `iac` read (also Software Engineers)."""

    queryset = IacGeneration.objects.all()
    permission_resource = "iac"
    owner_field = "requested_by"
    project_field = "project"
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = GenerationFilter
    search_fields = ["blueprint__name", "content_hash"]
    ordering_fields = ["created_at", "completed_at"]
    ordering = ["-created_at"]
    content_negotiation_class = FormatIsAFilter
    extra_actions = {"download": "read"}

    def get_queryset(self):
        self.queryset = (
            selectors.generation_list() if self.action == "list" else selectors.generation_detail()
        )
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action == "create":
            return GenerationCreateSerializer
        return GenerationListSerializer if self.action == "list" else GenerationSerializer

    @extend_schema(
        request=GenerationCreateSerializer,
        responses={
            202: GenerationSerializer,
            400: OpenApiResponse(description="Invalid input, or a format the provider lacks"),
            409: OpenApiResponse(description="Refused by the guardrails (names the evaluation)"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Generate a version's IaC: 202 with the generation, `pending` while a worker renders
        it (or already `completed`/`failed` when tasks run in-process)."""
        data = GenerationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        versions = BlueprintVersion.objects.select_related("blueprint__project").filter(
            blueprint__project__tenant_id=self.tenant_id, blueprint__deleted_at__isnull=True
        )
        version = get_object_or_404(versions, pk=data.validated_data["blueprint_version"])
        self.check_project(version.blueprint.project)
        generation = services.generation_create(
            user=request.user,
            version=version,
            format=data.validated_data["format"],
            environment=data.validated_data["environment"],
        )
        generation = selectors.generation_detail().get(pk=generation.pk)  # as the task left it
        return Response(
            GenerationSerializer(generation, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="The generation has not completed"),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The generated files as a zip archive (`X-Content-Hash`: their content hash)."""
        generation = self.get_object()
        if generation.status != GenerationStatus.COMPLETED:
            raise services.NotFinished(
                f"The generation is {generation.status}: only a completed generation can be "
                "downloaded.",
                details={"status": generation.status, "error": generation.error or None},
            )
        archive = io.BytesIO()
        stamp = generation.completed_at or generation.created_at
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name in sorted(generation.files):
                info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, generation.files[name])
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", generation.blueprint.name).strip("-") or "blueprint"
        filename = f"{slug}-v{generation.blueprint_version.version_number}-{generation.format}.zip"
        response = HttpResponse(archive.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Hash"] = generation.content_hash
        return response


class ImportViewSet(TenantScopedViewSet):
    """Existing Terraform imported as a blueprint version: a new version of `blueprint`, or
    version 1 of a new blueprint `name` in `project`. Needs the `iac` create grant."""

    queryset = BlueprintVersion.objects.all()
    serializer_class = ImportSerializer  # what OPTIONS describes
    permission_resource = "iac"
    owner_field = None
    http_method_names = ["post", "options"]
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser, LimitedFormParser]

    @extend_schema(
        request={
            "application/json": ImportSerializer,
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "blueprint": {"type": "string", "format": "uuid"},
                    "project": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "tag": {"type": "string"},
                },
            },
        },
        responses={
            201: ImportResultSerializer,
            200: ImportResultSerializer,
            400: OpenApiResponse(description="Invalid HCL (names the file) or graph"),
        },
    )
    def create(self, request, *args, **kwargs):
        fields, files = self._read(request)
        data = ImportSerializer(data=fields)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        blueprint = project = None
        if values["blueprint"] is not None:
            blueprints = Blueprint.objects.select_related("project").filter(
                project__tenant_id=self.tenant_id, deleted_at__isnull=True
            )
            blueprint = get_object_or_404(blueprints, pk=values["blueprint"])
            self.check_project(blueprint.project)
        else:
            projects = Project.objects.filter(tenant_id=self.tenant_id, deleted_at__isnull=True)
            project = get_object_or_404(projects, pk=values["project"])
            self.check_project(project)
        version, created, warnings = services.terraform_import(
            user=request.user,
            files=files,
            blueprint=blueprint,
            project=project,
            name=values["name"].strip(),
            description=values["description"],
            tag=values["tag"],
        )
        body = {
            "blueprint": version.blueprint_id,
            "blueprint_created": blueprint is None,
            "version": version.pk,
            "version_number": version.version_number,
            "graph_hash": version.graph_hash,
            "created": created,
            "components": len(version.graph_json.get("components", [])),
            "files": sorted(files),
            "warnings": warnings,
        }
        return Response(
            ImportResultSerializer(body).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _read(self, request) -> tuple[dict, dict[str, str]]:
        """(fields, {file name: content}) from a JSON body or a multipart form."""
        if not request.FILES:
            if hasattr(request.data, "getlist"):  # a form (without files)
                fields = {key: request.data.get(key) for key in request.data}
            elif isinstance(request.data, dict):
                fields = dict(request.data)
            else:
                raise DomainError(
                    "The body must be a JSON object.",
                    code="validation_error",
                    fields={"non_field_errors": ["Expected an object."]},
                )
            raw = fields.pop("files", None)
            if raw is None:
                raise DomainError(
                    "Send the Terraform files: {files: {name: content}} as JSON, or *.tf "
                    "files as multipart/form-data.",
                    code="invalid_terraform",
                    fields={"files": ["This field is required."]},
                )
            if not isinstance(raw, dict) or not all(
                isinstance(name, str) and isinstance(content, str) for name, content in raw.items()
            ):
                raise DomainError(
                    "files must map file names to their text.",
                    code="validation_error",
                    fields={"files": ["Expected {name: content}."]},
                )
            files = dict(raw)
        else:
            fields = {
                key: request.data.get(key) for key in request.data if key not in request.FILES
            }
            files = {}
            for upload in (item for key in request.FILES for item in request.FILES.getlist(key)):
                name = posixpath.basename(upload.name.replace("\\", "/"))
                self._unique(files, name)
                try:
                    files[name] = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    raise DomainError(
                        f"{name}: not UTF-8 text.",
                        code="invalid_terraform",
                        fields={"files": [f"{name}: not UTF-8 text."]},
                    ) from None
        self._check_files(files)
        return fields, files

    @staticmethod
    def _unique(files: dict, name: str) -> None:
        if name in files:
            raise DomainError(
                f"Two files are named {name}.",
                code="invalid_terraform",
                fields={"files": [f"{name}: given twice."]},
            )

    @staticmethod
    def _check_files(files: dict[str, str]) -> None:
        if not files:
            raise DomainError(
                "No Terraform file was given.",
                code="invalid_terraform",
                fields={"files": ["No *.tf file."]},
            )
        if len(files) > MAX_IMPORT_FILES:
            raise DomainError(
                f"{len(files)} files: at most {MAX_IMPORT_FILES} can be imported at once.",
                code="invalid_terraform",
                fields={"files": [f"At most {MAX_IMPORT_FILES} files."]},
            )
        wrong = sorted(name for name in files if not name.endswith(".tf") or "/" in name)
        if wrong:
            raise DomainError(
                f"Only Terraform files (*.tf, no directories) can be imported: {', '.join(wrong)}.",
                code="invalid_terraform",
                fields={"files": [f"{name}: not a *.tf file name." for name in wrong]},
            )
        binary = sorted(name for name, content in files.items() if "\x00" in content)
        if binary:
            raise DomainError(
                f"Not Terraform text (holds a NUL character): {', '.join(binary)}.",
                code="invalid_terraform",
                fields={"files": [f"{name}: holds a NUL character." for name in binary]},
            )
        size = sum(len(content.encode()) for content in files.values())
        if size > settings.DHARMA_API_MAX_BODY_BYTES:
            raise DomainError(
                f"The files hold {size} bytes; the limit is {settings.DHARMA_API_MAX_BODY_BYTES}.",
                code="request_too_large",
                fields={"files": ["Too large."]},
            )
