"""IaC generations: a blueprint version rendered to Terraform, Bicep or CloudFormation.

`iac_generations` is the table the original's schema alignment named but its generator never
used (its jobs lived in a process-local Map). A row records what was asked (version, format), the
guardrail evaluation that allowed it, the generated files with their content hash, the
validation problems found in them and the outcome: pending → running → completed / failed.
"""

from django.db import models

from apps.core.fields import project_fk, tenant_fk, user_fk
from apps.core.models import TimestampedModel, choices_check
from apps.iac.choices import GenerationStatus, IacFormat


class IacGeneration(TimestampedModel):
    """One rendering of a blueprint version in one format, with its files and validation."""

    tenant = tenant_fk()
    # The blueprint's project, kept on the row so project-scoped grants reach it.
    project = project_fk(related_name="+")
    blueprint = models.ForeignKey(
        "blueprints.Blueprint", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    blueprint_version = models.ForeignKey(
        "blueprints.BlueprintVersion",
        on_delete=models.PROTECT,
        related_name="iac_generations",
        db_index=False,
    )
    format = models.CharField(max_length=20, choices=IacFormat.choices)
    # The graph's provider (aws, azure, gcp; several, comma-separated, for a mixed Terraform).
    provider = models.CharField(max_length=50)
    # Passed to the renderer (tags, parameter defaults); empty when none was given.
    environment = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=20, choices=GenerationStatus.choices, default=GenerationStatus.PENDING
    )
    files = models.JSONField(default=dict, blank=True)  # {name: content}
    content_hash = models.CharField(max_length=64, blank=True)
    validation = models.JSONField(default=list, blank=True)  # [{level, file, message}]
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    guardrail_evaluation = models.ForeignKey(
        "guardrails.GuardrailEvaluation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    requested_by = user_fk()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "iac_generations"
        ordering = ["-created_at"]
        constraints = [
            choices_check("format", IacFormat, "iac_generations_format_check"),
            choices_check("status", GenerationStatus, "iac_generations_status_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="iac_generations_tenant_idx"),
            models.Index(fields=["project"], name="iac_generations_project_idx"),
            models.Index(fields=["blueprint_version"], name="iac_generations_version_idx"),
            models.Index(fields=["status"], name="iac_generations_status_idx"),
            models.Index(fields=["-created_at"], name="iac_generations_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} of {self.blueprint_version_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {GenerationStatus.COMPLETED, GenerationStatus.FAILED}
