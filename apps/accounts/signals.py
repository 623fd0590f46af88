"""Receivers: role and project-membership changes make cached grants stale once they commit."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.accounts import rbac
from apps.accounts.models import ProjectMember, Role, User, UserRole


@receiver([post_save, post_delete], sender=ProjectMember)
@receiver([post_save, post_delete], sender=UserRole)
def user_role_changed(sender, instance: UserRole, **kwargs) -> None:
    user_id = instance.user_id
    tenant_id = User.objects.filter(pk=user_id).values_list("tenant_id", flat=True).first()
    transaction.on_commit(
        lambda: rbac.role_assignments_changed(user_id=user_id, tenant_id=tenant_id)
    )


@receiver([post_save, post_delete], sender=Role)
def role_changed(sender, instance: Role, **kwargs) -> None:
    transaction.on_commit(rbac.roles_changed)
