from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.audit.models import AuditLogEntry

CHANGE = inline_serializer(
    "AuditLogChange",
    {"old": serializers.JSONField(allow_null=True), "new": serializers.JSONField(allow_null=True)},
)


class AuditLogEntrySerializer(serializers.ModelSerializer):
    action = serializers.CharField(source="action_name")
    object_type = serializers.SerializerMethodField()
    object_id = serializers.CharField(source="object_pk")
    actor = serializers.UUIDField(source="actor_id", allow_null=True)
    actor_display = serializers.CharField(
        help_text='The user\'s e-mail, or "system" for commands, tasks and beat.'
    )
    tenant = serializers.UUIDField(source="tenant_id", allow_null=True)
    changes = serializers.SerializerMethodField(
        help_text="{field: {old, new}}; masked fields show ******** instead of their value."
    )

    class Meta:
        model = AuditLogEntry
        fields = [
            "id",
            "timestamp",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "actor",
            "actor_email",
            "actor_display",
            "remote_addr",
            "tenant",
            "changes",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, entry: AuditLogEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"

    @extend_schema_field(serializers.DictField(child=CHANGE))
    def get_changes(self, entry: AuditLogEntry) -> dict:
        return {field: {"old": old, "new": new} for field, (old, new) in entry.changes_dict.items()}
