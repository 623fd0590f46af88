"""`manage.py seed_demo [--password P]`: a demo tenant to explore Dharma with.

Idempotent: running it again creates nothing new. It creates the system roles (EA, SA, TA, PM,
SE, Consultant, Admin), a `demo` tenant, its administrator, a project with three environments and
a sample blueprint with one version, its components and relations.
"""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Environment, Project, ProjectMember, Role, Tenant, User, UserRole
from apps.accounts.permissions import SYSTEM_ROLES
from apps.blueprints.graph import canonical_graph, graph_hash
from apps.blueprints.models import Blueprint, BlueprintVersion, Component, Relation

DEMO_TENANT_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.dharma.local"
TAGS = {"environment": "prod", "owner": "platform-team", "project": "demo"}

DEMO_GRAPH = {
    "components": [
        {
            "name": "main-vpc",
            "type": "vpc",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {"cidr_block": "10.0.0.0/16"},
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "web-server",
            "type": "ec2",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {"instance_type": "t3.medium", "count": 2},
            "tags": TAGS,
            "depends_on": ["main-vpc"],
        },
        {
            "name": "app-db",
            "type": "rds",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {
                "engine": "postgres",
                "instance_class": "db.t3.medium",
                "storage_gb": 100,
                "encrypted": True,
            },
            "tags": TAGS,
            "depends_on": ["main-vpc"],
        },
        {
            "name": "assets-bucket",
            "type": "s3",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {"encryption": "aws:kms", "public": False, "storage_gb": 50},
            "tags": TAGS,
            "depends_on": [],
        },
    ],
    "relations": [
        {"from": "web-server", "to": "main-vpc", "type": "depends_on"},
        {"from": "app-db", "to": "main-vpc", "type": "depends_on"},
        {"from": "web-server", "to": "app-db", "type": "connects_to"},
        {"from": "web-server", "to": "assets-bucket", "type": "reads_from"},
    ],
}


class Command(BaseCommand):
    help = "Create (idempotently) a demo tenant, system roles, an admin, a project, a blueprint."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password of the demo administrator (set on every run). Without it, a new "
            "administrator gets a generated password, printed once; an existing one keeps theirs.",
        )

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options):
        roles = self._system_roles()
        tenant, _ = Tenant.objects.get_or_create(
            slug=DEMO_TENANT_SLUG,
            defaults={"name": "Demo Organisation", "data_region": "us-east-1"},
        )
        admin, generated = self._admin(tenant, password)
        UserRole.objects.get_or_create(user=admin, role=roles["Admin"])
        project, _ = Project.objects.get_or_create(
            tenant=tenant,
            code="DEMO",
            defaults={
                "name": "Demo web platform",
                "description": "A three-tier web platform on AWS.",
                "owner": admin,
                "primary_provider": "aws",
                "scope": "cloud",
                "tags": {"team": "platform"},
            },
        )
        ProjectMember.objects.get_or_create(project=project, user=admin)
        for name, kind in (("development", "dev"), ("staging", "staging"), ("production", "prod")):
            Environment.objects.get_or_create(project=project, name=name, defaults={"type": kind})
        blueprint = self._blueprint(project, admin)
        version = blueprint.current_version
        assert version is not None  # _blueprint always leaves a current version

        self.stdout.write(
            f"Demo tenant '{tenant.slug}': {len(roles)} system roles, project {project.code}, "
            f"blueprint '{blueprint.name}' v{version.version_number}."
        )
        if generated:
            self.stdout.write(f"Admin: {admin.email} / password: {generated}")
        elif password:
            self.stdout.write(f"Admin: {admin.email} (password set from --password)")
        else:
            self.stdout.write(f"Admin: {admin.email} (existing password unchanged)")

    def _system_roles(self) -> dict[str, Role]:
        roles = {}
        for code, spec in SYSTEM_ROLES.items():
            role, _ = Role.objects.update_or_create(
                tenant=None,
                code=code,
                defaults={
                    "name": spec["name"],
                    "is_system": True,
                    "permissions": spec["permissions"],
                },
            )
            roles[str(code)] = role
        return roles

    def _admin(self, tenant: Tenant, password: str | None) -> tuple[User, str | None]:
        admin = User.objects.filter(tenant=tenant, email=DEMO_ADMIN_EMAIL).first()
        generated = None
        if admin is None:
            if not password:
                password = generated = secrets.token_urlsafe(12)
            admin = User.objects.create_user(
                DEMO_ADMIN_EMAIL,
                password,
                tenant=tenant,
                first_name="Demo",
                last_name="Administrator",
                is_staff=True,
                is_superuser=True,
            )
        elif password and not admin.check_password(password):
            admin.set_password(password)
            admin.save(update_fields=["password", "updated_at"])
        return admin, generated

    def _blueprint(self, project: Project, admin: User) -> Blueprint:
        blueprint, _ = Blueprint.objects.get_or_create(
            project=project,
            name="web-platform",
            defaults={
                "description": "VPC, web servers, PostgreSQL database and an assets bucket.",
                "primary_provider": "aws",
                "created_by": admin,
            },
        )
        if blueprint.current_version is None:
            graph = canonical_graph(DEMO_GRAPH)
            version = BlueprintVersion.objects.create(
                blueprint=blueprint,
                version_number=1,
                tag="v1",
                status="published",
                graph_json=graph,
                graph_hash=graph_hash(graph),
                created_by=admin,
            )
            components = {
                spec["name"]: Component.objects.create(
                    blueprint_version=version,
                    type=spec["type"],
                    name=spec["name"],
                    properties={
                        **spec["properties"],
                        "provider": spec["provider"],
                        "region": spec["region"],
                    },
                    tags=spec["tags"],
                )
                for spec in graph["components"]
            }
            Relation.objects.bulk_create(
                Relation(
                    blueprint_version=version,
                    from_component=components[edge["from"]],
                    to_component=components[edge["to"]],
                    relation_type=edge["type"],
                )
                for edge in graph["relations"]
            )
            blueprint.current_version = version
            blueprint.save(update_fields=["current_version", "updated_at"])
        return blueprint
