"""Budgets and cost optimisation: budget_allocations, budget_spending, budget_alerts (original
V004) and cost_optimization_recommendations (V007). `project_id` is a real foreign key here.
Dharma adds price_catalog (public list prices) and cost_estimates (priced blueprint versions)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import project_fk, tenant_fk, user_fk
from apps.core.models import (
    AlertSeverity,
    CreatedModel,
    Level3,
    Priority,
    TimestampedModel,
    choices_check,
)
from apps.costing.choices import (
    AllocationStatus,
    BudgetCategory,
    PriceProvider,
    PriceUnit,
    PricingModel,
    RecommendationStatus,
    RecommendationType,
)


class BudgetAllocation(TimestampedModel):
    """Money set aside for a project in a fiscal year."""

    tenant = tenant_fk()
    project = project_fk(related_name="budget_allocations")
    category = models.CharField(max_length=50, choices=BudgetCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    fiscal_year = models.IntegerField()
    description = models.TextField(blank=True)
    effective_date = models.DateField()
    expiry_date = models.DateField(null=True, blank=True)
    allocated_by = user_fk()
    allocated_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.ACTIVE
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "budget_allocations"
        ordering = ["-fiscal_year", "-effective_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="budget_allocations_amount_check"
            ),
            choices_check("status", AllocationStatus, "budget_allocations_status_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="budget_alloc_tenant_idx"),
            models.Index(fields=["project"], name="budget_alloc_project_idx"),
            models.Index(fields=["fiscal_year"], name="budget_alloc_fiscal_year_idx"),
            models.Index(fields=["category"], name="budget_alloc_category_idx"),
            models.Index(fields=["status"], name="budget_alloc_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.fiscal_year} {self.category}: {self.amount} {self.currency}"


class BudgetSpending(CreatedModel):
    """Money spent against an allocation (append-only)."""

    allocation = models.ForeignKey(
        BudgetAllocation, on_delete=models.PROTECT, related_name="spendings", db_index=False
    )
    tenant = tenant_fk()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.TextField()
    spending_date = models.DateField()
    recorded_by = user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "budget_spending"
        ordering = ["-spending_date"]
        verbose_name_plural = "budget spending"
        indexes = [
            models.Index(fields=["allocation"], name="budget_spend_allocation_idx"),
            models.Index(fields=["tenant"], name="budget_spend_tenant_idx"),
            models.Index(fields=["-spending_date"], name="budget_spend_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.spending_date}"


class BudgetAlert(TimestampedModel):
    """A budget threshold crossed (90 % warning, 100 % exceeded …)."""

    tenant = tenant_fk()
    project = project_fk(related_name="budget_alerts")
    severity = models.CharField(max_length=20, choices=AlertSeverity.choices)
    category = models.CharField(max_length=50, blank=True)
    message = models.TextField()
    current_spend = models.DecimalField(max_digits=12, decimal_places=2)
    threshold = models.DecimalField(max_digits=12, decimal_places=2)
    acknowledged = models.BooleanField(default=False)
    acknowledged_by = user_fk(null=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "budget_alerts"
        ordering = ["-created_at"]
        constraints = [choices_check("severity", AlertSeverity, "budget_alerts_severity_check")]
        indexes = [
            models.Index(fields=["tenant"], name="budget_alerts_tenant_idx"),
            models.Index(fields=["project"], name="budget_alerts_project_idx"),
            models.Index(fields=["severity"], name="budget_alerts_severity_idx"),
            models.Index(
                fields=["resolved"], name="budget_alerts_resolved_idx", condition=Q(resolved=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity}: {self.message[:60]}"


class CostOptimizationRecommendation(TimestampedModel):
    """A way to spend less (right-sizing, reserved or spot instances, storage), and its outcome."""

    tenant = tenant_fk()
    project = project_fk(null=True, related_name="cost_recommendations")
    recommendation_type = models.CharField(max_length=50, choices=RecommendationType.choices)
    resource_type = models.CharField(max_length=50, blank=True)
    resource_id = models.CharField(max_length=255, blank=True)
    current_cost = models.DecimalField(max_digits=12, decimal_places=2)
    projected_cost = models.DecimalField(max_digits=12, decimal_places=2)
    potential_savings = models.DecimalField(max_digits=12, decimal_places=2)
    savings_percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    priority = models.CharField(max_length=20, choices=Priority.choices)
    recommendation_details = models.TextField()
    implementation_effort = models.CharField(max_length=20, choices=Level3.choices, blank=True)
    status = models.CharField(
        max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )
    implemented_by = user_fk(null=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = user_fk(null=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "cost_optimization_recommendations"
        ordering = ["-potential_savings"]
        constraints = [
            choices_check("priority", Priority, "cost_optimization_recommendations_priority_check"),
            choices_check(
                "status", RecommendationStatus, "cost_optimization_recommendations_status_check"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="cost_recs_tenant_idx"),
            models.Index(
                fields=["project"], name="cost_recs_project_idx", condition=Q(project__isnull=False)
            ),
            models.Index(fields=["recommendation_type"], name="cost_recs_type_idx"),
            models.Index(fields=["status"], name="cost_recs_status_idx"),
            models.Index(fields=["priority"], name="cost_recs_priority_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_type}: save {self.potential_savings}"


class PriceCatalog(TimestampedModel):
    """Dharma's addition: one price (price_catalog).

    `tenant` NULL: a public list price, used for every tenant (the shipped snapshot). A tenant's
    own row is a price only that tenant sees (a negotiated rate), preferred for that tenant over
    the public row of the same provider, region, product, SKU and pricing model.

    `resource_type` is a catalog product (`ec2`, `rds-postgresql`, `s3`, `vm`, `cloud-sql` …),
    not a component type: apps/costing/products.py maps a component to its product. The
    calculator uses, per (provider, region, resource_type, sku, pricing_model), the row with
    the latest `effective_date` that is not in the future, so a new price is loaded as a new
    row and the history stays.
    """

    tenant = tenant_fk(null=True)
    provider = models.CharField(max_length=20, choices=PriceProvider.choices)
    region = models.CharField(max_length=50)
    resource_type = models.CharField(max_length=50)
    sku = models.CharField(max_length=100)
    pricing_model = models.CharField(
        max_length=20, choices=PricingModel.choices, default=PricingModel.ON_DEMAND
    )
    unit = models.CharField(max_length=20, choices=PriceUnit.choices)
    price = models.DecimalField(max_digits=18, decimal_places=10)
    currency = models.CharField(max_length=3, default="USD")
    effective_date = models.DateField()
    source = models.URLField(max_length=500)

    class Meta:
        db_table = "price_catalog"
        ordering = ["provider", "region", "resource_type", "sku", "pricing_model"]
        verbose_name = "price"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "provider",
                    "region",
                    "resource_type",
                    "sku",
                    "pricing_model",
                    "effective_date",
                ],
                condition=Q(tenant__isnull=True),
                name="price_catalog_key",
            ),
            models.UniqueConstraint(
                fields=[
                    "tenant",
                    "provider",
                    "region",
                    "resource_type",
                    "sku",
                    "pricing_model",
                    "effective_date",
                ],
                condition=Q(tenant__isnull=False),
                name="price_catalog_tenant_key",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_catalog_price_check"),
            choices_check("provider", PriceProvider, "price_catalog_provider_check"),
            choices_check("pricing_model", PricingModel, "price_catalog_pricing_model_check"),
            choices_check("unit", PriceUnit, "price_catalog_unit_check"),
        ]
        indexes = [
            models.Index(
                fields=["provider", "region", "resource_type"], name="price_catalog_product_idx"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.provider}/{self.region} {self.resource_type} {self.sku} "
            f"{self.pricing_model}: {self.price} {self.currency}/{self.unit}"
        )


class CostEstimate(CreatedModel):
    """Dharma's addition: a priced blueprint version (cost_estimates), kept as computed.

    `lines` and `unpriced` are the calculator's output; each line names the price row it used
    (id, provider, region, sku, effective date), so an estimate can be explained after prices
    change. Totals are stored as columns for filtering and budget checks.
    """

    tenant = tenant_fk()
    project = project_fk(related_name="cost_estimates")
    blueprint_version = models.ForeignKey(
        "blueprints.BlueprintVersion",
        on_delete=models.CASCADE,
        related_name="cost_estimates",
        db_index=False,
    )
    options = models.JSONField(default=dict, blank=True)
    lines = models.JSONField(default=list, blank=True)
    unpriced = models.JSONField(default=list, blank=True)
    hourly_total = models.DecimalField(max_digits=16, decimal_places=4)
    daily_total = models.DecimalField(max_digits=14, decimal_places=2)
    monthly_total = models.DecimalField(max_digits=14, decimal_places=2)
    yearly_total = models.DecimalField(max_digits=14, decimal_places=2)
    breakdown = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    created_by = user_fk()

    class Meta:
        db_table = "cost_estimates"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant"], name="cost_estimates_tenant_idx"),
            models.Index(fields=["project"], name="cost_estimates_project_idx"),
            models.Index(
                fields=["blueprint_version", "-created_at"], name="cost_estimates_version_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blueprint_version_id}: {self.monthly_total} {self.currency}/month"
