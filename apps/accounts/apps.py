from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_system_roles(sender, using="default", **kwargs) -> None:
    from apps.accounts.services import system_roles_sync

    system_roles_sync(using=using)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "Accounts and tenancy"

    def ready(self) -> None:
        from apps.accounts import signals  # noqa: F401 - connects the receivers

        # The system roles are the code's: `migrate` creates them and keeps their rights current.
        post_migrate.connect(_sync_system_roles, sender=self)
