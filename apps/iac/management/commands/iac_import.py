"""manage.py iac_import DIR --project ID (--blueprint ID | --name NAME) [--user EMAIL]

Imports the Terraform files (*.tf) of DIR (or the given .tf file) as a blueprint version: a new
version of an existing blueprint, or version 1 of a new blueprint of the project. Prints the
version and the importer's warnings. Bad input (unknown project, blueprint or user, invalid
HCL, a graph the blueprint validation refuses) exits with status 2 and writes nothing.
"""

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Project, User
from apps.blueprints.models import Blueprint
from apps.core.exceptions import DomainError
from apps.iac import services

EXIT_USAGE = 2


def _usage(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_USAGE)


def _uuid(value: str, option: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _usage(f"{option}: {value!r} is not an id (UUID)") from None


class Command(BaseCommand):
    help = "Import Terraform (*.tf) into a blueprint version."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a directory of *.tf files, or one .tf file")
        parser.add_argument("--project", required=True, help="the project's id")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--blueprint", help="an existing blueprint's id: adds a version")
        target.add_argument("--name", help="creates a blueprint of this name in the project")
        parser.add_argument("--description", default="", help="the new blueprint's description")
        parser.add_argument("--tag", default=None, help="the version's tag")
        parser.add_argument(
            "--user",
            help="e-mail of the user the import is recorded for (default: the project's owner)",
        )

    def handle(self, *args, **options):
        files = self._files(Path(options["path"]))
        project = Project.objects.filter(
            pk=_uuid(options["project"], "--project"), deleted_at__isnull=True
        ).first()
        if project is None:
            raise _usage(f"--project: no project {options['project']}")
        blueprint = None
        if options["blueprint"]:
            blueprint = Blueprint.objects.filter(
                pk=_uuid(options["blueprint"], "--blueprint"), deleted_at__isnull=True
            ).first()
            if blueprint is None or blueprint.project_id != project.pk:
                raise _usage(
                    f"--blueprint: no blueprint {options['blueprint']} in project {project.pk}"
                )
        elif not options["name"].strip():
            raise _usage("--name: a new blueprint needs a name")
        user = self._user(project, options["user"])
        try:
            version, created, warnings = services.terraform_import(
                user=user,
                files=files,
                blueprint=blueprint,
                project=None if blueprint else project,
                name=(options["name"] or "").strip(),
                description=options["description"],
                tag=options["tag"],
            )
        except DomainError as exc:
            details = [f"  {key}: {'; '.join(messages)}" for key, messages in exc.fields.items()]
            raise _usage("\n".join([exc.message, *details])) from None
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        components = len(version.graph_json.get("components", []))
        verb = "imported" if created else "unchanged (same graph as the current version)"
        self.stdout.write(
            f"{verb}: blueprint {version.blueprint.name} ({version.blueprint_id}) "
            f"version {version.version_number} ({version.pk}), {components} components, "
            f"{len(files)} files, {len(warnings)} warnings"
        )

    @staticmethod
    def _files(path: Path) -> dict[str, str]:
        if path.is_file():
            paths = [path]
        elif path.is_dir():
            paths = sorted(item for item in path.glob("*.tf") if item.is_file())
        else:
            raise _usage(f"{path}: no such file or directory")
        if not paths:
            raise _usage(f"{path}: no *.tf file")
        files = {}
        for item in paths:
            if item.suffix != ".tf":
                raise _usage(f"{item}: not a Terraform file (*.tf)")
            try:
                files[item.name] = item.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise _usage(f"{item}: cannot be read as UTF-8 text ({exc})") from None
        return files

    @staticmethod
    def _user(project: Project, email: str | None) -> User:
        users = User.objects.filter(
            tenant_id=project.tenant_id, status="active", deleted_at__isnull=True
        )
        if email:
            user = users.filter(email__iexact=email).first()
            if user is None:
                raise _usage(f"--user: no active user {email} in the project's tenant")
            return user
        if project.owner_id is not None:
            owner = users.filter(pk=project.owner_id).first()
            if owner is not None:
                return owner
        raise _usage("--user: the project has no owner to record the import for; give --user")
