from django.db import models


class BudgetCategory(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    LICENSES = "licenses", "Licenses"
    SERVICES = "services", "Services"
    CONTINGENCY = "contingency", "Contingency"


class AllocationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class RecommendationType(models.TextChoices):
    RIGHTSIZING = "rightsizing", "Right-sizing"
    RESERVED_INSTANCES = "reserved-instances", "Reserved instances"
    SPOT_INSTANCES = "spot-instances", "Spot instances"
    STORAGE_OPTIMIZATION = "storage-optimization", "Storage optimisation"


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in-progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    DISMISSED = "dismissed", "Dismissed"
