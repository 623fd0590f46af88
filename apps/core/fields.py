"""Foreign-key shorthands used by every app's models.

Foreign keys never get Django's implicit index: each table declares the original's indexes
explicitly in `Meta.indexes`, so the schema has the indexes it means to have and no others.
"""

from django.conf import settings
from django.db import models


def tenant_fk(*, null: bool = False) -> models.ForeignKey:
    """The owning tenant; nullable only for rows that may be global (built-in, platform-wide)."""
    return models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, null=null, blank=null, related_name="+",
        db_index=False,
    )  # fmt: skip


def user_fk(*, null: bool = False) -> models.ForeignKey:
    """Who did something: required ones block deleting the user, optional ones are cleared."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL if null else models.PROTECT,
        null=null, blank=null, related_name="+", db_index=False,
    )  # fmt: skip


def project_fk(*, null: bool = False, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        "accounts.Project", on_delete=models.PROTECT, null=null, blank=null,
        related_name=related_name, db_index=False,
    )  # fmt: skip
