from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.core.models import Priority
from apps.operations.choices import DetectedBy, IncidentPriority
from apps.operations.models import Incident, IncidentTimeline


class IncidentFromExecutionSerializer(StrictSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    severity = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        help_text="Default: high for a production environment, medium elsewhere.",
    )
    priority = serializers.ChoiceField(
        choices=IncidentPriority.choices,
        required=False,
        help_text="Default: from the severity (critical p1 … low p4).",
    )
    detected_by = serializers.ChoiceField(choices=DetectedBy.choices, default=DetectedBy.AUTOMATED)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, default=""
    )


class IncidentTimelineSerializer(serializers.ModelSerializer):
    user = serializers.UUIDField(source="user_id", read_only=True)

    class Meta:
        model = IncidentTimeline
        fields = ["id", "event_type", "user", "timestamp", "details", "metadata"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    reported_by = serializers.UUIDField(source="reported_by_id", read_only=True)
    timeline = IncidentTimelineSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id", "title", "description", "severity", "status", "priority", "detected_by",
            "reported_by", "reported_at", "affected_services", "metadata", "timeline",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
