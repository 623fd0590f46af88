from django.core.management.base import BaseCommand
from django.db import transaction

from apps.guardrails.models import GovernancePolicy
from apps.guardrails.pack import BUILTIN_POLICIES, PACK_VERSION, sync


class Command(BaseCommand):
    help = "Install or update the built-in guardrail policies to the pack shipped with Dharma."

    def handle(self, *args, **options):
        with transaction.atomic():
            created, updated, retired = sync(GovernancePolicy)
        self.stdout.write(
            f"Policy pack {PACK_VERSION}: {len(BUILTIN_POLICIES)} built-in policies; "
            f"{created} created, {updated} updated, {retired} retired."
        )
