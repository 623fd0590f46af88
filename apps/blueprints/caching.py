"""Cache keys for blueprint reads, and their invalidation on write.

Each cached response is stored with the *generation token* of what it shows: one token per
blueprint (its detail and versions) and one per tenant (its list pages). A write replaces the
token (after commit), so the stored response no longer matches and is rebuilt; a write to one
blueprint leaves the others cached. Tokens are random, so a token lost to eviction can never
match an old response again. If Redis cannot be told, the tenant's `cache_epoch` (part of every
key, read with the user at no extra query) is bumped in the database instead.
"""

import logging
import uuid

from django.core.cache import caches
from django.db import transaction

from apps.accounts.services import tenant_cache_epoch_bump
from apps.core.api.caching import VersionedKey

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


def detail_key(tenant, blueprint_id, *parts) -> VersionedKey:
    value = ":".join(
        ["blueprints", str(tenant.pk), str(tenant.cache_epoch), str(blueprint_id), *parts]
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
    *, blueprint_id, tenant_id, created: bool = False, deleted: bool = False
) -> None:
    """Call inside the write's transaction: the blueprint's and the tenant's cached responses go
    stale when it commits (its versions' too when it is deleted). Every token is replaced with a
    new random one, which also starts the tokens of a new blueprint."""
    stale = [blueprint_token_key(blueprint_id), tenant_list_token_key(tenant_id)]
    if created or deleted:
        stale.append(tenant_membership_token_key(tenant_id))
        # Set at creation too, so that the first reads can already be stored.
        stale.append(blueprint_existence_token_key(blueprint_id))

    def replace_tokens() -> None:
        try:
            caches["responses"].set_many({key: uuid.uuid4().hex for key in stale}, timeout=None)
        except Exception:
            logger.warning(
                "Redis unreachable: bumping the cache epoch of %s", tenant_id, exc_info=True
            )
            tenant_cache_epoch_bump(tenant_id=tenant_id)

    transaction.on_commit(replace_tokens)
