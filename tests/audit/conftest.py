import pytest

from apps.audit.models import AuditLogEntry
from tests.iac.conftest import new_version, project, ta  # noqa: F401 - fixtures


@pytest.fixture
def administrator(make_user):
    """A tenant's Administrator: manages projects and reads the tenant's audit log."""
    return make_user("Admin")


def entries_for(obj) -> list[AuditLogEntry]:
    """The audit log entries about `obj`, oldest first."""
    return list(
        AuditLogEntry.objects.filter(
            content_type__app_label=obj._meta.app_label,
            content_type__model=obj._meta.model_name,
            object_pk=str(obj.pk),
        ).order_by("timestamp", "id")
    )
