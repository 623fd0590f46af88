"""Cache keys for blueprint reads, and their invalidation on write.

Each cached response is stored with the *generation token* of what it shows:
- a blueprint's detail: its `revision` (raised in the database by every save), so a reader stores
  what it read on first use and a write stores its own result (write-through);
- a blueprint's versions: a random token replaced when it is created or deleted (versions are
  immutable);
- a tenant's list pages: random tokens replaced on every write (filtered lists) or when a
  blueprint is created or deleted (unfiltered lists, whose items are checked one by one).
Tokens change after commit, so a stored response no longer matches and is rebuilt; a write to
one blueprint leaves the others cached. Random tokens never repeat, so one lost to eviction can
never match an old response again. If Redis cannot be told, the tenant's `cache_epoch` (part of
every key, read with the user at no extra query) is bumped in the database instead.
"""

import logging
import uuid

from django.core.cache import caches
from django.db import transaction

from apps.accounts.services import tenant_cache_epoch_bump
from apps.core.api.caching import VersionedKey, store_at_revision

logger = logging.getLogger(__name__)


def blueprint_token_key(blueprint_id) -> str:
    # Canonical form: the URL may spell the same UUID in upper case or without dashes.
    return f"blueprints:token:{uuid.UUID(str(blueprint_id))}"


def blueprint_existence_token_key(blueprint_id) -> str:
    return f"blueprints:existence-token:{uuid.UUID(str(blueprint_id))}"


def tenant_list_token_key(tenant_id) -> str:
    """Changes on every write: filtered or searched lists may gain or lose any blueprint."""
    return f"blueprints:list-token:{tenant_id}"


def tenant_membership_token_key(tenant_id) -> str:
    """Changes when a blueprint is created or deleted: all that unfiltered lists (ordered by
    creation, which never changes) depend on, besides their items' own state."""
    return f"blueprints:membership-token:{tenant_id}"


def detail_key(tenant, blueprint_id) -> VersionedKey:
    """Its token is the blueprint's revision."""
    blueprint_id = uuid.UUID(str(blueprint_id))
    value = ":".join(
        ["blueprints", str(tenant.pk), str(tenant.cache_epoch), str(blueprint_id), "detail"]
    )
    return VersionedKey(value=value, token=blueprint_token_key(blueprint_id))


def version_key(tenant, blueprint_id, number) -> VersionedKey:
    """Versions are immutable: their responses go stale only when the blueprint is deleted."""
    blueprint_id = uuid.UUID(str(blueprint_id))
    value = ":".join(
        ["blueprints", str(tenant.pk), str(tenant.cache_epoch), str(blueprint_id), "v", str(number)]
    )
    return VersionedKey(value=value, token=blueprint_existence_token_key(blueprint_id))


def list_key(tenant, query: str, *, unfiltered: bool) -> VersionedKey:
    value = ":".join(["blueprints", str(tenant.pk), str(tenant.cache_epoch), "list", query])
    token = (
        tenant_membership_token_key(tenant.pk) if unfiltered else tenant_list_token_key(tenant.pk)
    )
    return VersionedKey(value=value, token=token)


def blueprint_changed(
    *, blueprint_id, tenant_id, revision: int, created: bool = False, deleted: bool = False
) -> None:
    """Called by `Blueprint.save()` inside the write's transaction: the blueprint's and the
    tenant's cached responses go stale when it commits (its versions' too when it is created or
    deleted). The detail token is raised to the new revision (never lowered, so callbacks that
    run out of order are harmless); the others are replaced with new random ones, which also
    starts the tokens of a new blueprint."""
    stale = [tenant_list_token_key(tenant_id)]
    if created or deleted:
        stale.append(tenant_membership_token_key(tenant_id))
        # Set at creation too, so that the first reads can already be stored.
        stale.append(blueprint_existence_token_key(blueprint_id))

    def replace_tokens() -> None:
        try:
            caches["responses"].set_many({key: uuid.uuid4().hex for key in stale}, timeout=None)
            store_at_revision(
                VersionedKey(value="", token=blueprint_token_key(blueprint_id)), revision
            )
        except Exception:
            logger.warning(
                "Redis unreachable: bumping the cache epoch of %s", tenant_id, exc_info=True
            )
            tenant_cache_epoch_bump(tenant_id=tenant_id)

    transaction.on_commit(replace_tokens)
