"""Writes to blueprints and their versions. Keyword-only, atomic; refusals are domain errors."""

from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Project, User
from apps.blueprints.diffing import diff_graphs
from apps.blueprints.graph import canonical_graph, graph_hash
from apps.blueprints.models import (
    Blueprint,
    BlueprintDiff,
    BlueprintVersion,
    Component,
    Relation,
    Template,
)
from apps.blueprints.validation import ValidationResult, validate_graph
from apps.core.exceptions import Conflict, DomainError


def _name_taken(project: Project, name: str, exclude_pk=None) -> bool:
    live = Blueprint.objects.filter(project=project, name=name, deleted_at__isnull=True)
    return live.exclude(pk=exclude_pk).exists()


def _name_conflict() -> Conflict:
    return Conflict(
        "The project has a blueprint with this name.", fields={"name": ["Already used."]}
    )


@contextmanager
def _unique_name():
    """A concurrent write that took the name first fails the UNIQUE index: a 409, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if "blueprints_project_id_name_key" not in str(exc):
            raise
        raise _name_conflict() from exc


@transaction.atomic
def blueprint_create(*, user: User, project: Project, **fields) -> Blueprint:
    if _name_taken(project, fields["name"]):
        raise _name_conflict()
    # Blueprint.save() raises its revision and makes cached responses stale on commit.
    with _unique_name():
        return Blueprint.objects.create(project=project, created_by=user, **fields)


@transaction.atomic
def blueprint_update(*, blueprint: Blueprint, **fields) -> Blueprint:
    project = fields.get("project", blueprint.project)
    name = fields.get("name", blueprint.name)
    if (project, name) != (blueprint.project, blueprint.name) and _name_taken(
        project, name, exclude_pk=blueprint.pk
    ):
        raise _name_conflict()
    for key, value in fields.items():
        setattr(blueprint, key, value)
    # Only the fields sent: concurrent updates of different fields do not undo each other.
    with _unique_name():
        blueprint.save(update_fields=[*fields, "updated_at"])
    return blueprint


@transaction.atomic
def blueprint_delete(*, blueprint: Blueprint) -> None:
    """Soft delete: the blueprint disappears from the API; its versions stay for audit."""
    blueprint.deleted_at = timezone.now()
    blueprint.save(update_fields=["deleted_at", "updated_at"])


class InvalidGraph(DomainError):
    code = "invalid_graph"

    def __init__(self, result: ValidationResult):
        fields: dict[str, list[str]] = {}
        for issue in result.errors:
            key = issue.component or "graph"
            if issue.field:
                key = f"{key}.{issue.field}"
            fields.setdefault(key, []).append(f"{issue.code}: {issue.message}")
        super().__init__(
            f"The graph has {len(result.errors)} error(s); nothing was saved.",
            fields=fields,
            details=result.as_dict(),
        )
        self.result = result


@transaction.atomic
def blueprint_version_create(
    *, user: User, blueprint: Blueprint, graph: dict, tag: str | None = None
) -> tuple[BlueprintVersion, bool]:
    """Store `graph` as the blueprint's next immutable version.

    Returns (version, created). The same graph as the current version creates nothing and
    returns the current version. A graph with validation errors is refused whole.
    """
    result = validate_graph(graph, blueprint_name=blueprint.name)
    if not result.is_valid:
        raise InvalidGraph(result)
    canonical = canonical_graph(graph)
    digest = graph_hash(canonical)
    # Lock the blueprint: concurrent writers get consecutive version numbers, never the same.
    locked = (
        Blueprint.objects.select_related("project")
        .select_for_update(of=("self",))
        .get(pk=blueprint.pk)
    )
    current = locked.current_version
    if current is not None and current.graph_hash == digest:
        return current, False
    version = BlueprintVersion.objects.create(
        blueprint=locked,
        version_number=(current.version_number + 1) if current else 1,
        parent_version=current,
        tag=tag,
        graph_json=canonical,
        graph_hash=digest,
        metadata={"warnings": [issue.code for issue in result.warnings]},
        created_by=user,
    )
    components = Component.objects.bulk_create(
        Component(
            blueprint_version=version,
            type=spec["type"],
            name=spec["name"],
            display_name=spec.get("display_name"),
            properties={
                **spec.get("properties", {}),
                **({"provider": spec["provider"]} if spec.get("provider") else {}),
                **({"region": spec["region"]} if spec.get("region") else {}),
            },
            tags=spec.get("tags", {}),
        )
        for spec in canonical["components"]
    )
    by_name = {component.name: component for component in components}
    # An edge (a, b, "depends_on") means a needs b; explicit relations may carry other types.
    edges: dict[tuple[str, str, str], dict] = {
        (spec["name"], dependency, "depends_on"): {}
        for spec in canonical["components"]
        for dependency in spec.get("depends_on", [])
    }
    for relation in canonical["relations"]:
        key = (relation["from"], relation["to"], relation.get("type") or "depends_on")
        edges[key] = relation.get("properties") or {}
    Relation.objects.bulk_create(
        Relation(
            blueprint_version=version,
            from_component=by_name[frm],
            to_component=by_name[to],
            relation_type=kind,
            properties=props,
        )
        for (frm, to, kind), props in edges.items()
    )
    locked.current_version = version
    locked.save(update_fields=["current_version", "updated_at"])
    return version, True


@transaction.atomic
def blueprint_diff_get_or_create(
    *, from_version: BlueprintVersion, to_version: BlueprintVersion
) -> BlueprintDiff:
    """The semantic diff of two versions, computed once and kept in `blueprint_diffs`."""
    existing = BlueprintDiff.objects.filter(
        from_version=from_version, to_version=to_version
    ).first()
    if existing is not None:
        return existing
    diff = diff_graphs(from_version.graph_json, to_version.graph_json)
    body = diff.as_dict()
    stored, _ = BlueprintDiff.objects.get_or_create(
        from_version=from_version,
        to_version=to_version,
        defaults={"diff_json": body, "summary": diff.summary()},
    )
    return stored


@transaction.atomic
def template_create(*, user: User, version: BlueprintVersion, **fields) -> Template:
    """A reusable template from a stored version's graph."""
    blueprint = version.blueprint
    fields.setdefault("provider", blueprint.primary_provider)
    return Template.objects.create(
        tenant_id=user.tenant_id, created_by=user, graph_json=version.graph_json, **fields
    )


@transaction.atomic
def template_instantiate(
    *, user: User, template: Template, project: Project, name: str, description: str = ""
) -> Blueprint:
    """A new blueprint whose version 1 is the template's graph (validated like any version)."""
    blueprint = blueprint_create(
        user=user,
        project=project,
        name=name,
        description=description or template.description,
        primary_provider=template.provider,
    )
    blueprint_version_create(user=user, blueprint=blueprint, graph=template.graph_json)
    Template.objects.filter(pk=template.pk).update(usage_count=F("usage_count") + 1)
    blueprint.refresh_from_db()
    return blueprint
