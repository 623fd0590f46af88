"""Deployment workflow and cloud migrations: the original V004 approval/migration tables and the
V006 execution, step and log tables. Their status columns are the workflow's state machines
(allowed moves: apps/deployments/transitions.py).

Dharma links approvals and executions to what they deploy, which the original could not (its
`deployment_id` pointed at a table that did not exist): the blueprint version, the target
environment, its project and the IaC generation. The original columns stay: `environment` keeps
the environment's name, `target_version`/`source_version` the version numbers, and
`deployment_id` identifies "this version to this environment" (apps/deployments/services.py).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import project_fk, tenant_fk, user_fk
from apps.core.models import (
    NOT_DELETED,
    CreatedModel,
    Level3,
    Priority,
    SoftDeleteModel,
    TimestampedModel,
    choices_check,
    range_check,
)
from apps.deployments.choices import (
    ApprovalAction,
    ApprovalStatus,
    DeploymentType,
    ExecutionStatus,
    LogLevel,
    MigrationPhase,
    MigrationStatus,
    RiskCategory,
    RiskStatus,
    StepStatus,
    WorkloadStatus,
)


class DeploymentApproval(TimestampedModel, SoftDeleteModel):
    """A request to deploy, reviewed: pending → approved / rejected / cancelled."""

    tenant = tenant_fk()
    deployment_id = models.UUIDField()
    status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = user_fk()
    requested_at = models.DateTimeField(default=timezone.now)
    environment = models.CharField(max_length=50)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    deployment_window_start = models.DateTimeField(null=True, blank=True)
    deployment_window_end = models.DateTimeField(null=True, blank=True)
    estimated_duration = models.IntegerField(null=True, blank=True, help_text="minutes")
    reviewed_by = user_fk(null=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    affected_services = models.JSONField(default=list, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Dharma's additions: what is to be deployed, where, and who decided.
    project = project_fk(related_name="+")
    target_environment = models.ForeignKey(
        "accounts.Environment", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    blueprint_version = models.ForeignKey(
        "blueprints.BlueprintVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    generation = models.ForeignKey(
        "iac.IacGeneration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    # The monthly cost estimate the approver saw (catalog prices when the request was made); an
    # over-budget execution needs an approval whose figure covers the estimate at that time.
    estimated_monthly_cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    approved_by = user_fk(null=True)
    rejected_by = user_fk(null=True)

    class Meta:
        db_table = "deployment_approvals"
        ordering = ["-requested_at"]
        constraints = [
            choices_check("status", ApprovalStatus, "deployment_approvals_status_check"),
            choices_check("priority", Priority, "deployment_approvals_priority_check"),
            # One open request per version and environment.
            models.UniqueConstraint(
                fields=["blueprint_version", "target_environment"],
                condition=Q(status=ApprovalStatus.PENDING, deleted_at__isnull=True),
                name="deployment_approvals_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(estimated_monthly_cost__gte=0),
                name="deployment_approvals_cost_check",
            ),
            models.CheckConstraint(
                condition=Q(deployment_window_start__isnull=True)
                | Q(deployment_window_end__isnull=True)
                | Q(deployment_window_start__lt=models.F("deployment_window_end")),
                name="deployment_approvals_window_check",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="approvals_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["status"], name="approvals_status_idx", condition=NOT_DELETED),
            models.Index(fields=["deployment_id"], name="approvals_deployment_idx"),
            models.Index(fields=["requested_by"], name="approvals_requested_by_idx"),
            models.Index(
                fields=["reviewed_by"],
                name="approvals_reviewed_by_idx",
                condition=Q(reviewed_by__isnull=False),
            ),
            models.Index(fields=["environment"], name="approvals_environment_idx"),
            models.Index(fields=["-requested_at"], name="approvals_requested_at_idx"),
            models.Index(
                fields=["target_environment", "blueprint_version", "status"],
                name="approvals_env_version_idx",
            ),
            models.Index(fields=["project"], name="approvals_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.environment} deployment {self.deployment_id} ({self.status})"


class ApprovalHistory(CreatedModel):
    """Every transition of an approval: who, when, and the state before and after."""

    approval = models.ForeignKey(
        DeploymentApproval, on_delete=models.CASCADE, related_name="history", db_index=False
    )
    action = models.CharField(max_length=50, choices=ApprovalAction.choices)
    performed_by = user_fk()
    performed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)
    previous_state = models.JSONField(null=True, blank=True)
    new_state = models.JSONField(null=True, blank=True)

    tenant_path = "approval__tenant"

    class Meta:
        db_table = "approval_history"
        ordering = ["-performed_at"]
        verbose_name_plural = "approval history"
        indexes = [
            models.Index(fields=["approval"], name="approval_history_approval_idx"),
            models.Index(fields=["-performed_at"], name="approval_history_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.performed_by_id}"


class CloudMigration(TimestampedModel, SoftDeleteModel):
    """A migration of workloads to the cloud, tracked by phase, progress and budget."""

    tenant = tenant_fk()
    project = project_fk(null=True, related_name="cloud_migrations")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=MigrationStatus.choices, default=MigrationStatus.PLANNING
    )
    phase = models.CharField(
        max_length=50, choices=MigrationPhase.choices, default=MigrationPhase.ASSESSMENT
    )
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    start_date = models.DateField(null=True, blank=True)
    target_completion_date = models.DateField(null=True, blank=True)
    actual_completion_date = models.DateField(null=True, blank=True)
    owner = user_fk()
    progress = models.IntegerField(default=0)
    workload_count = models.IntegerField(default=0)
    migrated_workload_count = models.IntegerField(default=0)
    budget_allocated = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    budget_spent = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    team_members = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "cloud_migrations"
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", MigrationStatus, "cloud_migrations_status_check"),
            choices_check("priority", Priority, "cloud_migrations_priority_check"),
            range_check("progress", 0, 100, "cloud_migrations_progress_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="migrations_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["project"], name="migrations_project_idx"),
            models.Index(fields=["status"], name="migrations_status_idx"),
            models.Index(fields=["owner"], name="migrations_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class MigrationWorkload(TimestampedModel):
    """One workload moved by a migration: pending → in-progress → completed / failed / skipped."""

    migration = models.ForeignKey(
        CloudMigration, on_delete=models.CASCADE, related_name="workloads", db_index=False
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=WorkloadStatus.choices, default=WorkloadStatus.PENDING
    )
    migrated_date = models.DateField(null=True, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "migration__tenant"

    class Meta:
        db_table = "migration_workloads"
        ordering = ["migration", "name"]
        constraints = [choices_check("status", WorkloadStatus, "migration_workloads_status_check")]
        indexes = [
            models.Index(fields=["migration"], name="workloads_migration_idx"),
            models.Index(fields=["status"], name="workloads_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class MigrationRisk(TimestampedModel):
    """A risk of a migration, rated by severity, probability and impact, with its mitigation."""

    migration = models.ForeignKey(
        CloudMigration, on_delete=models.CASCADE, related_name="risks", db_index=False
    )
    description = models.TextField()
    category = models.CharField(max_length=50, choices=RiskCategory.choices, blank=True)
    severity = models.CharField(max_length=20, choices=Priority.choices)
    probability = models.CharField(max_length=20, choices=Level3.choices)
    impact = models.CharField(max_length=20, choices=Priority.choices)
    mitigation = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.ACTIVE)
    owner = user_fk(null=True)
    identified_date = models.DateField()
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "migration__tenant"

    class Meta:
        db_table = "migration_risks"
        ordering = ["-identified_date"]
        constraints = [
            choices_check("severity", Priority, "migration_risks_severity_check"),
            choices_check("probability", Level3, "migration_risks_probability_check"),
            choices_check("impact", Priority, "migration_risks_impact_check"),
            choices_check("status", RiskStatus, "migration_risks_status_check"),
        ]
        indexes = [
            models.Index(fields=["migration"], name="risks_migration_idx"),
            models.Index(fields=["severity"], name="risks_severity_idx"),
            models.Index(fields=["status"], name="risks_status_idx"),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class DeploymentExecution(TimestampedModel):
    """One run of a deployment: pending → in-progress → completed / failed / rolled-back /
    cancelled, with its steps and logs."""

    tenant = tenant_fk()
    deployment_id = models.UUIDField()
    approval = models.ForeignKey(
        DeploymentApproval, on_delete=models.PROTECT, null=True, blank=True,
        related_name="executions", db_index=False,
    )  # fmt: skip
    environment = models.CharField(max_length=50)
    status = models.CharField(
        max_length=20, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING
    )
    deployment_type = models.CharField(max_length=20, choices=DeploymentType.choices)
    started_by = user_fk()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    estimated_duration = models.IntegerField(null=True, blank=True, help_text="minutes")
    actual_duration = models.IntegerField(null=True, blank=True, help_text="minutes")
    current_step = models.CharField(max_length=255, blank=True)
    progress = models.IntegerField(default=0)
    source_version = models.CharField(max_length=100, blank=True)
    target_version = models.CharField(max_length=100)
    pre_checks_passed = models.BooleanField(default=False)
    post_checks_passed = models.BooleanField(null=True, blank=True)
    rollback_possible = models.BooleanField(default=True)
    rollback_version = models.CharField(max_length=100, blank=True)
    rollback_executed = models.BooleanField(default=False)
    rollback_reason = models.TextField(blank=True)
    services_deployed = models.IntegerField(default=0)
    total_services = models.IntegerField(default=0)
    health_checks_passed = models.IntegerField(default=0)
    health_checks_failed = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    warning_count = models.IntegerField(default=0)
    pre_check_results = models.JSONField(default=dict, blank=True)
    post_check_results = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Dharma's additions: what is deployed, where, from which generated code, and why it failed.
    project = project_fk(related_name="+")
    target_environment = models.ForeignKey(
        "accounts.Environment", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    blueprint_version = models.ForeignKey(
        "blueprints.BlueprintVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    generation = models.ForeignKey(
        "iac.IacGeneration", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    # A rollback execution names the execution it rolls back.
    rollback_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rollbacks",
        db_index=False,
    )  # fmt: skip
    error_message = models.TextField(blank=True)

    class Meta:
        db_table = "deployment_executions"
        ordering = ["-started_at", "-created_at"]
        constraints = [
            choices_check("status", ExecutionStatus, "deployment_executions_status_check"),
            choices_check(
                "deployment_type", DeploymentType, "deployment_executions_deployment_type_check"
            ),
            range_check("progress", 0, 100, "deployment_executions_progress_check"),
            # One execution at a time per environment (like a Terraform state lock).
            models.UniqueConstraint(
                fields=["target_environment"],
                condition=Q(status__in=[ExecutionStatus.PENDING, ExecutionStatus.IN_PROGRESS]),
                name="deployment_executions_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="executions_tenant_idx"),
            models.Index(fields=["deployment_id"], name="executions_deployment_idx"),
            models.Index(
                fields=["approval"],
                name="executions_approval_idx",
                condition=Q(approval__isnull=False),
            ),
            models.Index(fields=["environment"], name="executions_environment_idx"),
            models.Index(fields=["status"], name="executions_status_idx"),
            models.Index(fields=["started_by"], name="executions_started_by_idx"),
            models.Index(fields=["-started_at"], name="executions_started_at_idx"),
            models.Index(
                fields=["target_environment", "status", "-completed_at"],
                name="executions_env_status_idx",
            ),
            models.Index(fields=["project"], name="executions_project_idx"),
            models.Index(
                fields=["rollback_of"],
                name="executions_rollback_of_idx",
                condition=Q(rollback_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.environment} {self.target_version} ({self.status})"


class DeploymentStep(TimestampedModel):
    """One ordered step of an execution, with its progress, output and error."""

    execution = models.ForeignKey(
        DeploymentExecution, on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    step_name = models.CharField(max_length=255)
    step_order = models.IntegerField()
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True, help_text="seconds")
    progress = models.IntegerField(default=0)
    output = models.TextField(blank=True)
    error_message = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "execution__tenant"

    class Meta:
        db_table = "deployment_steps"
        ordering = ["execution", "step_order"]
        constraints = [
            choices_check("status", StepStatus, "deployment_steps_status_check"),
            range_check("progress", 0, 100, "deployment_steps_progress_check"),
        ]
        indexes = [
            models.Index(fields=["execution", "step_order"], name="steps_execution_order_idx"),
            models.Index(fields=["status"], name="steps_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step_order}. {self.step_name}"


class DeploymentLog(CreatedModel):
    """A log line of an execution (append-only)."""

    execution = models.ForeignKey(
        DeploymentExecution, on_delete=models.CASCADE, related_name="logs", db_index=False
    )
    step = models.ForeignKey(
        DeploymentStep, on_delete=models.CASCADE, null=True, blank=True, related_name="logs",
        db_index=False,
    )  # fmt: skip
    log_level = models.CharField(max_length=10, choices=LogLevel.choices)
    service = models.CharField(max_length=100, blank=True, null=True)
    message = models.TextField()
    timestamp = models.DateTimeField(default=timezone.now)
    stack_trace = models.TextField(blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    error_details = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "execution__tenant"

    class Meta:
        db_table = "deployment_logs"
        ordering = ["-timestamp"]
        constraints = [choices_check("log_level", LogLevel, "deployment_logs_log_level_check")]
        indexes = [
            models.Index(fields=["step"], name="logs_step_idx", condition=Q(step__isnull=False)),
            models.Index(fields=["log_level"], name="logs_level_idx"),
            models.Index(
                fields=["service"], name="logs_service_idx", condition=Q(service__isnull=False)
            ),
            models.Index(fields=["-timestamp"], name="logs_timestamp_idx"),
            models.Index(fields=["execution", "-timestamp"], name="logs_execution_time_idx"),
        ]

    def __str__(self) -> str:
        return f"[{self.log_level}] {self.message[:60]}"
