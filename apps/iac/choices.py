from django.db import models


class IacFormat(models.TextChoices):
    """The formats Dharma generates (the original's three)."""

    TERRAFORM = "terraform", "Terraform"
    BICEP = "bicep", "Bicep"
    CLOUDFORMATION = "cloudformation", "CloudFormation"


class GenerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
