from django.db import models


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class ApprovalAction(models.TextChoices):
    CREATED = "created", "Created"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REASSIGNED = "reassigned", "Reassigned"
    UPDATED = "updated", "Updated"
    CANCELLED = "cancelled", "Cancelled"


class MigrationStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    IN_PROGRESS = "in-progress", "In progress"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class MigrationPhase(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    PLANNING = "planning", "Planning"
    MIGRATION = "migration", "Migration"
    VALIDATION = "validation", "Validation"
    OPTIMIZATION = "optimization", "Optimisation"


class WorkloadStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class RiskCategory(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    BUSINESS = "business", "Business"
    SECURITY = "security", "Security"
    COMPLIANCE = "compliance", "Compliance"
    EXTERNAL = "external", "External"


class RiskStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MITIGATED = "mitigated", "Mitigated"
    ACCEPTED = "accepted", "Accepted"
    RESOLVED = "resolved", "Resolved"


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled-back", "Rolled back"
    CANCELLED = "cancelled", "Cancelled"


class DeploymentType(models.TextChoices):
    FULL = "full", "Full"
    INCREMENTAL = "incremental", "Incremental"
    ROLLBACK = "rollback", "Rollback"
    HOTFIX = "hotfix", "Hotfix"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class LogLevel(models.TextChoices):
    DEBUG = "debug", "Debug"
    INFO = "info", "Info"
    WARN = "warn", "Warning"
    ERROR = "error", "Error"
    FATAL = "fatal", "Fatal"
