"""Tenancy and identity: the original V001 core tables.

`users` is the auth user model: it carries a password hash (the original had none), belongs to
one tenant and is unique by e-mail within that tenant.
"""

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.choices import (
    AuthProvider,
    EnvironmentType,
    ProjectScope,
    ProjectStatus,
    TenantStatus,
    UserStatus,
)
from apps.core.models import (
    NOT_DELETED,
    CreatedModel,
    SoftDeleteModel,
    TenantQuerySet,
    TimestampedModel,
    UUIDModel,
    choices_check,
)


class Tenant(TimestampedModel, SoftDeleteModel):
    """The root of isolation: every other row belongs to exactly one tenant."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=100, db_index=False)
    data_region = models.CharField(max_length=50, default="us-east-1")
    status = models.CharField(
        max_length=20, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    settings = models.JSONField(default=dict, blank=True)
    # Part of every cached API response's key. Bumped only when a write could not tell Redis
    # that cached responses went stale (Redis unreachable), so that none of them is served again.
    cache_epoch = models.BigIntegerField(default=0)

    tenant_path = "pk"

    class Meta:
        db_table = "tenants"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="tenants_slug_key"),
            choices_check("status", TenantStatus, "tenants_status_check"),
        ]
        indexes = [
            models.Index(fields=["status"], name="tenants_status_idx", condition=NOT_DELETED)
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, *, tenant, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), tenant=tenant, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, *, tenant=None, **fields):
        """Operators' accounts; without a tenant they belong to the `system` tenant."""
        if tenant is None:
            tenant, _ = Tenant.objects.get_or_create(slug="system", defaults={"name": "System"})
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, tenant=tenant, **fields)


class User(AbstractBaseUser, PermissionsMixin, TimestampedModel, SoftDeleteModel):
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="users", db_index=False
    )
    email = models.EmailField(max_length=255)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    auth_provider = models.CharField(
        max_length=50, choices=AuthProvider.choices, default=AuthProvider.LOCAL
    )
    external_id = models.CharField(max_length=255, blank=True, null=True)
    last_login = models.DateTimeField(blank=True, null=True, db_column="last_login_at")
    preferences = models.JSONField(default=dict, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log into the admin site.")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        db_table = "users"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="users_tenant_id_email_key"),
            choices_check("status", UserStatus, "users_status_check"),
            choices_check("auth_provider", AuthProvider, "users_auth_provider_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="users_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["email"], name="users_email_idx"),
            models.Index(fields=["external_id"], name="users_external_id_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == UserStatus.ACTIVE and self.deleted_at is None

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Role(TimestampedModel):
    """A role; `tenant` NULL marks a system role shared by every tenant."""

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
        db_index=False,
    )
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=20)
    description = models.TextField(blank=True)
    is_system = models.BooleanField(default=False)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "roles"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="roles_tenant_id_code_key"),
            # NULLs are distinct in a UNIQUE constraint, so system roles need their own.
            models.UniqueConstraint(
                fields=["code"], condition=Q(tenant__isnull=True), name="roles_system_code_key"
            ),
        ]
        indexes = [models.Index(fields=["code"], name="roles_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class UserRole(UUIDModel):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="user_roles", db_index=False
    )
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="user_roles", db_index=False
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "user__tenant"

    class Meta:
        db_table = "user_roles"
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="user_roles_user_id_role_id_key")
        ]
        indexes = [models.Index(fields=["role"], name="user_roles_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.role.code}"


class Project(TimestampedModel, SoftDeleteModel):
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="projects", db_index=False
    )
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    scope = models.CharField(
        max_length=20, choices=ProjectScope.choices, default=ProjectScope.HYBRID
    )
    primary_provider = models.CharField(max_length=50, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "projects"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="projects_tenant_id_code_key"),
            choices_check("status", ProjectStatus, "projects_status_check"),
            choices_check("scope", ProjectScope, "projects_scope_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="projects_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["owner"], name="projects_owner_idx"),
            models.Index(fields=["status"], name="projects_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ProjectMember(CreatedModel):
    """Dharma's addition to the original schema, which had no way to say who works on a project:
    a project-scoped role grant covers exactly the projects its holder is a member of."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="project_memberships", db_index=False
    )
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    tenant_path = "project__tenant"

    class Meta:
        db_table = "project_members"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="project_members_project_id_user_id_key"
            )
        ]
        indexes = [models.Index(fields=["user"], name="project_members_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id}"


class Environment(TimestampedModel, SoftDeleteModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="environments", db_index=False
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=EnvironmentType.choices)
    description = models.TextField(blank=True)
    config = models.JSONField(default=dict, blank=True)

    tenant_path = "project__tenant"

    class Meta:
        db_table = "environments"
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="environments_project_id_name_key"
            ),
            choices_check("type", EnvironmentType, "environments_type_check"),
        ]
        indexes = [
            models.Index(
                fields=["project"], name="environments_project_idx", condition=NOT_DELETED
            ),
            models.Index(fields=["type"], name="environments_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}/{self.name}"
