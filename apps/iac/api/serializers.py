from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.iac.choices import IacFormat
from apps.iac.models import IacGeneration


class GenerationCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()
    format = serializers.ChoiceField(choices=IacFormat.choices)
    environment = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)


class ProblemSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["error", "warning"])
    file = serializers.CharField()
    message = serializers.CharField()


class GenerationListSerializer(serializers.ModelSerializer):
    blueprint = serializers.UUIDField(source="blueprint_id", read_only=True)
    blueprint_name = serializers.CharField(source="blueprint.name", read_only=True)
    blueprint_version = serializers.UUIDField(source="blueprint_version_id", read_only=True)
    version_number = serializers.IntegerField(
        source="blueprint_version.version_number", read_only=True
    )
    project = serializers.UUIDField(source="project_id", read_only=True)
    guardrail_evaluation = serializers.UUIDField(
        source="guardrail_evaluation_id", read_only=True, allow_null=True
    )
    requested_by = serializers.UUIDField(source="requested_by_id", read_only=True)
    validation = serializers.SerializerMethodField()
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = IacGeneration
        fields = [
            "id", "blueprint", "blueprint_name", "blueprint_version", "version_number",
            "project", "format", "provider", "environment", "status", "content_hash",
            "validation", "warnings", "error", "guardrail_evaluation", "requested_by",
            "task_id", "started_at", "completed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProblemSerializer(many=True))
    def get_validation(self, generation: IacGeneration) -> list[dict]:
        return list(generation.validation or [])


class GenerationSerializer(GenerationListSerializer):
    files = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        read_only=True,
        help_text="The generated files: {name: content}.",
    )
    download = serializers.SerializerMethodField()

    class Meta(GenerationListSerializer.Meta):
        fields = [*GenerationListSerializer.Meta.fields, "files", "download"]
        read_only_fields = fields

    def get_download(self, generation: IacGeneration) -> str | None:
        """Where the files can be fetched as a zip archive, once the generation completed."""
        if generation.status != "completed":
            return None
        path = f"/api/v1/iac/generations/{generation.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ImportSerializer(StrictSerializer):
    """JSON form of an import; the multipart form sends the same fields and *.tf files."""

    files = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text="{name: content} of the Terraform files (JSON); or upload *.tf files "
        "(multipart/form-data).",
    )
    blueprint = serializers.UUIDField(required=False, allow_null=True, default=None)
    project = serializers.UUIDField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=255, required=False, default="")
    description = serializers.CharField(required=False, default="", allow_blank=True)
    tag = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["blueprint"] is None:
            if attrs["project"] is None:
                raise serializers.ValidationError(
                    {"blueprint": ["Give a blueprint, or a project and a name for a new one."]}
                )
            if not attrs["name"].strip():
                raise serializers.ValidationError({"name": ["A new blueprint needs a name."]})
        elif attrs["project"] is not None or attrs["name"]:
            raise serializers.ValidationError(
                {"blueprint": ["Give a blueprint, or a project and a name: not both."]}
            )
        return attrs


class ImportResultSerializer(serializers.Serializer):
    blueprint = serializers.UUIDField()
    blueprint_created = serializers.BooleanField()
    version = serializers.UUIDField()
    version_number = serializers.IntegerField()
    graph_hash = serializers.CharField()
    created = serializers.BooleanField(
        help_text="False when the graph equals the blueprint's current version (nothing new)."
    )
    components = serializers.IntegerField()
    files = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
