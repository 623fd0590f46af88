from django.db import models


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVING = "resolving", "Resolving"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class IncidentPriority(models.TextChoices):
    P1 = "p1", "P1"
    P2 = "p2", "P2"
    P3 = "p3", "P3"
    P4 = "p4", "P4"


class DetectedBy(models.TextChoices):
    AUTOMATED = "automated", "Automated"
    MANUAL = "manual", "Manual"
    USER_REPORT = "user-report", "User report"
    MONITORING = "monitoring", "Monitoring"


class TimelineEvent(models.TextChoices):
    CREATED = "created", "Created"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ASSIGNED = "assigned", "Assigned"
    UPDATED = "updated", "Updated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    COMMENT = "comment", "Comment"


class UpdateType(models.TextChoices):
    STATUS_CHANGE = "status_change", "Status change"
    COMMENT = "comment", "Comment"
    METRIC_UPDATE = "metric_update", "Metric update"
    ASSIGNMENT = "assignment", "Assignment"


class Visibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"
    PUBLIC = "public", "Public"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class MetricCategory(models.TextChoices):
    DEPLOYMENT = "deployment", "Deployment"
    BUDGET = "budget", "Budget"
    MIGRATION = "migration", "Migration"
    QUALITY = "quality", "Quality"
    TEAM = "team", "Team"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"


class TimePeriod(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"


class ComparisonOperator(models.TextChoices):
    GT = "gt", ">"
    LT = "lt", "<"
    EQ = "eq", "="
    GTE = "gte", "≥"
    LTE = "lte", "≤"


class TargetStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ARCHIVED = "archived", "Archived"


class HealthStatus(models.TextChoices):
    HEALTHY = "healthy", "Healthy"
    DEGRADED = "degraded", "Degraded"
    UNHEALTHY = "unhealthy", "Unhealthy"
    UNKNOWN = "unknown", "Unknown"


class CheckType(models.TextChoices):
    LIVENESS = "liveness", "Liveness"
    READINESS = "readiness", "Readiness"
    STARTUP = "startup", "Startup"
    CUSTOM = "custom", "Custom"


class InfrastructureCategory(models.TextChoices):
    COMPUTE = "compute", "Compute"
    STORAGE = "storage", "Storage"
    NETWORK = "network", "Network"
    DATABASE = "database", "Database"
