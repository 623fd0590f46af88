"""The blueprint graph: the original V002 tables.

A blueprint (per project) has immutable versions; each version stores its whole graph as canonical
JSON with a sha256 `graph_hash`, and the same graph as rows: components (nodes) and relations
(edges). `blueprint_diffs` caches comparisons between two versions; `templates` holds reusable
graphs.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q

from apps.blueprints.choices import BlueprintScope, LifecycleState, Provider, VersionStatus
from apps.core.models import (
    NOT_DELETED,
    CreatedModel,
    SoftDeleteModel,
    TimestampedModel,
    choices_check,
)


class Blueprint(TimestampedModel, SoftDeleteModel):
    """A named piece of infrastructure within a project, described by its versions."""

    project = models.ForeignKey(
        "accounts.Project", on_delete=models.CASCADE, related_name="blueprints", db_index=False
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    scope = models.CharField(
        max_length=50, choices=BlueprintScope.choices, default=BlueprintScope.CLOUD
    )
    primary_provider = models.CharField(max_length=50, choices=Provider.choices, blank=True)
    lifecycle_state = models.CharField(
        max_length=50, choices=LifecycleState.choices, default=LifecycleState.DRAFT
    )
    current_version = models.ForeignKey(
        "BlueprintVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Dharma's addition to the original table: raised in the database by every save, so each
    # committed state of the row has its own number. The API shows it, and the response cache
    # uses it as the generation of a blueprint's detail (apps/blueprints/caching.py).
    revision = models.PositiveIntegerField(default=1, editable=False)

    tenant_path = "project__tenant"

    class Meta:
        db_table = "blueprints"
        ordering = ["-created_at"]
        constraints = [
            # Unique among live blueprints: a deleted blueprint's name can be used again.
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=NOT_DELETED,
                name="blueprints_project_id_name_key",
            ),
            choices_check("scope", BlueprintScope, "blueprints_scope_check"),
            choices_check("lifecycle_state", LifecycleState, "blueprints_lifecycle_state_check"),
        ]
        indexes = [
            models.Index(fields=["project"], name="blueprints_project_idx", condition=NOT_DELETED),
            models.Index(fields=["created_by"], name="blueprints_created_by_idx"),
            models.Index(fields=["lifecycle_state"], name="blueprints_lifecycle_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        blueprint = super().from_db(db, field_names, values)
        blueprint._loaded_project_id = blueprint.__dict__.get("project_id")
        return blueprint

    def save(self, *args, **kwargs) -> None:
        """Every save (services, admin, commands) raises `revision` atomically in the database
        (`revision = revision + 1`, so concurrent saves get distinct numbers) and makes the
        blueprint's cached responses stale when the transaction commits."""
        from apps.blueprints.caching import blueprint_changed

        adding = self._state.adding
        moved = self.project_id != getattr(self, "_loaded_project_id", self.project_id)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision"}
        with transaction.atomic(savepoint=False):  # no savepoint inside a caller's transaction
            if not adding:
                self.revision = F("revision") + 1
            super().save(*args, **kwargs)
            if not adding:
                # Read back inside the transaction: the row stays locked until it commits.
                self.refresh_from_db(fields=["revision"])
            blueprint_changed(
                blueprint_id=self.pk,
                tenant_id=self.project.tenant_id,
                revision=self.revision,
                created=adding,
                # Moving to another project changes who may read it, versions included.
                deleted=self.deleted_at is not None or moved,
            )
            self._loaded_project_id = self.project_id


class BlueprintVersion(CreatedModel):
    """An immutable snapshot of a blueprint's graph."""

    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version_number = models.IntegerField()
    parent_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children",
        db_index=False,
    )  # fmt: skip
    tag = models.CharField(max_length=100, blank=True, null=True)
    status = models.CharField(
        max_length=50, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    graph_json = models.JSONField()
    graph_hash = models.CharField(max_length=64)
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    tenant_path = "blueprint__project__tenant"

    class Meta:
        db_table = "blueprint_versions"
        ordering = ["blueprint_id", "-version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint", "version_number"],
                name="blueprint_versions_blueprint_id_version_number_key",
            ),
            choices_check("status", VersionStatus, "blueprint_versions_status_check"),
        ]
        # GIN on graph_json: PostgreSQL only, created by migration 0002.
        indexes = [
            models.Index(fields=["parent_version"], name="bp_versions_parent_idx"),
            models.Index(fields=["tag"], name="bp_versions_tag_idx"),
            models.Index(fields=["graph_hash"], name="bp_versions_graph_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.blueprint} v{self.version_number}"


class Component(CreatedModel):
    """A node of a version's graph: one piece of infrastructure."""

    blueprint_version = models.ForeignKey(
        BlueprintVersion, on_delete=models.CASCADE, related_name="components", db_index=False
    )
    type = models.CharField(max_length=100)
    subtype = models.CharField(max_length=100, blank=True, null=True)
    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True, null=True)
    position_x = models.FloatField(null=True, blank=True)
    position_y = models.FloatField(null=True, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=dict, blank=True)

    tenant_path = "blueprint_version__blueprint__project__tenant"

    class Meta:
        db_table = "components"
        ordering = ["blueprint_version_id", "name"]
        # GIN on properties: PostgreSQL only, created by migration 0002.
        indexes = [
            models.Index(fields=["blueprint_version"], name="components_version_idx"),
            models.Index(fields=["type"], name="components_type_idx"),
            models.Index(fields=["name"], name="components_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class Relation(CreatedModel):
    """An edge of a version's graph (depends-on, connects-to, …); never a self-loop."""

    blueprint_version = models.ForeignKey(
        BlueprintVersion, on_delete=models.CASCADE, related_name="relations", db_index=False
    )
    from_component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="outgoing", db_index=False
    )
    to_component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="incoming", db_index=False
    )
    relation_type = models.CharField(max_length=50)
    properties = models.JSONField(default=dict, blank=True)

    tenant_path = "blueprint_version__blueprint__project__tenant"

    class Meta:
        db_table = "relations"
        ordering = ["blueprint_version_id", "relation_type"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_component=F("to_component")), name="relations_check"
            )
        ]
        indexes = [
            models.Index(fields=["blueprint_version"], name="relations_version_idx"),
            models.Index(fields=["from_component"], name="relations_from_idx"),
            models.Index(fields=["to_component"], name="relations_to_idx"),
            models.Index(fields=["relation_type"], name="relations_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_component.name} -{self.relation_type}-> {self.to_component.name}"


class BlueprintDiff(CreatedModel):
    """A computed comparison of two versions, kept so it is computed once.

    Deleting either version deletes the diff (the original blocked the delete: a cache must not).
    """

    from_version = models.ForeignKey(
        BlueprintVersion, on_delete=models.CASCADE, related_name="diffs_from", db_index=False
    )
    to_version = models.ForeignKey(
        BlueprintVersion, on_delete=models.CASCADE, related_name="diffs_to", db_index=False
    )
    diff_json = models.JSONField()
    summary = models.JSONField(default=dict, blank=True)

    tenant_path = "from_version__blueprint__project__tenant"

    class Meta:
        db_table = "blueprint_diffs"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_version", "to_version"],
                name="blueprint_diffs_from_version_id_to_version_id_key",
            )
        ]
        indexes = [models.Index(fields=["to_version"], name="blueprint_diffs_to_idx")]

    def __str__(self) -> str:
        return f"{self.from_version} → {self.to_version}"


class Template(TimestampedModel):
    """A reusable reference architecture; `tenant` NULL with `is_public` for shared ones."""

    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    provider = models.CharField(max_length=50, choices=Provider.choices, blank=True)
    is_public = models.BooleanField(default=False)
    usage_count = models.IntegerField(default=0)
    graph_json = models.JSONField()
    tags = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        db_table = "templates"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["tenant"], name="templates_tenant_idx"),
            models.Index(fields=["category"], name="templates_category_idx"),
            models.Index(fields=["provider"], name="templates_provider_idx"),
            models.Index(fields=["is_public"], name="templates_is_public_idx"),
        ]

    def __str__(self) -> str:
        return self.name
