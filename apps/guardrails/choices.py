from django.db import models


class PolicyType(models.TextChoices):
    SECURITY = "security", "Security"
    COMPLIANCE = "compliance", "Compliance"
    COST = "cost", "Cost"
    ARCHITECTURE = "architecture", "Architecture"
    OPERATIONAL = "operational", "Operational"


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated"
    ARCHIVED = "archived", "Archived"


class PolicySeverity(models.TextChoices):
    ADVISORY = "advisory", "Advisory"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


class EnforcementLevel(models.TextChoices):
    ADVISORY = "advisory", "Advisory (reported)"
    SOFT_FAIL = "soft-fail", "Soft fail (waivable)"
    HARD_FAIL = "hard-fail", "Hard fail (blocks)"


class FindingSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    INFO = "info", "Info"


class ViolationResourceType(models.TextChoices):
    BLUEPRINT = "blueprint", "Blueprint"
    DEPLOYMENT = "deployment", "Deployment"
    IAC_TEMPLATE = "iac-template", "IaC template"
    GUARDRAIL = "guardrail", "Guardrail"


class DetectedBy(models.TextChoices):
    AUTOMATED_SCAN = "automated-scan", "Automated scan"
    MANUAL_REVIEW = "manual-review", "Manual review"
    CI_CD = "ci-cd", "CI/CD"
    RUNTIME = "runtime", "Runtime"


class ViolationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REMEDIATED = "remediated", "Remediated"
    EXEMPTED = "exempted", "Exempted"
    FALSE_POSITIVE = "false-positive", "False positive"


class PatternStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    DEPRECATED = "deprecated", "Deprecated"
    ARCHIVED = "archived", "Archived"


class PatternType(models.TextChoices):
    REFERENCE_ARCHITECTURE = "reference-architecture", "Reference architecture"
    DESIGN_PATTERN = "design-pattern", "Design pattern"
    ANTI_PATTERN = "anti-pattern", "Anti-pattern"


class PatternCategory(models.TextChoices):
    MICROSERVICES = "microservices", "Microservices"
    SERVERLESS = "serverless", "Serverless"
    DATA = "data", "Data"
    SECURITY = "security", "Security"
    INTEGRATION = "integration", "Integration"


class PatternApprovalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes-requested", "Changes requested"


class FrameworkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class AuditFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMI_ANNUAL = "semi-annual", "Semi-annual"
    ANNUAL = "annual", "Annual"
