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


class PricingModel(models.TextChoices):
    ON_DEMAND = "on_demand", "On demand"
    RESERVED_1Y = "reserved_1y", "Reserved, 1 year"
    RESERVED_3Y = "reserved_3y", "Reserved, 3 years"
    SPOT = "spot", "Spot"


class PriceUnit(models.TextChoices):
    """What one `price` buys. Hourly units are multiplied by running hours; the others by a
    monthly usage figure (GB stored, million requests, GB-seconds, disks)."""

    HOUR = "hour", "Hour"
    MONTH = "month", "Month (per resource)"
    GB_MONTH = "gb_month", "GB-month"
    GB = "gb", "GB transferred"
    MILLION_REQUESTS = "million_requests", "Million requests"
    GB_SECOND = "gb_second", "GB-second"


class PriceProvider(models.TextChoices):
    AWS = "aws", "AWS"
    AZURE = "azure", "Azure"
    GCP = "gcp", "Google Cloud"
