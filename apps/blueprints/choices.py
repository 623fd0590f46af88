from django.db import models


class BlueprintScope(models.TextChoices):
    CLOUD = "cloud", "Cloud"
    ON_PREMISE = "on-premise", "On premise"
    HYBRID = "hybrid", "Hybrid"


class LifecycleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    APPROVED = "approved", "Approved"
    DEPLOYED = "deployed", "Deployed"
    DEPRECATED = "deprecated", "Deprecated"
    ARCHIVED = "archived", "Archived"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Provider(models.TextChoices):
    AWS = "aws", "AWS"
    AZURE = "azure", "Azure"
    GCP = "gcp", "Google Cloud"
    ON_PREMISE = "on-premise", "On premise"
    MULTI_CLOUD = "multi-cloud", "Multi-cloud"
