from django.db import models


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ARCHIVED = "archived", "Archived"


class UserStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    SUSPENDED = "suspended", "Suspended"


class AuthProvider(models.TextChoices):
    LOCAL = "local", "Local password"
    SAML = "saml", "SAML"
    OIDC = "oidc", "OpenID Connect"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on-hold", "On hold"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class ProjectScope(models.TextChoices):
    CLOUD = "cloud", "Cloud"
    ON_PREMISE = "on-premise", "On premise"
    HYBRID = "hybrid", "Hybrid"


class EnvironmentType(models.TextChoices):
    DEV = "dev", "Development"
    TEST = "test", "Test"
    UAT = "uat", "User acceptance"
    STAGING = "staging", "Staging"
    PREPROD = "preprod", "Pre-production"
    PROD = "prod", "Production"
    DR = "dr", "Disaster recovery"


class SystemRole(models.TextChoices):
    """The role vocabulary of the permission matrix (original-system §6)."""

    EA = "EA", "Enterprise Architect"
    SA = "SA", "Solution Architect"
    TA = "TA", "Technical Architect"
    PM = "PM", "Project Manager"
    SE = "SE", "Software Engineer"
    CONSULTANT = "Consultant", "Consultant"
    ADMIN = "Admin", "Administrator"
