"""The accounts admin as a tenant's staff would use it: no way to raise their own rights, to
write into another tenant, or to grant a role they could not hold."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.models import Project, Role, Tenant, User, UserRole
from apps.blueprints.models import Blueprint
from tests.accounts.factories import ProjectFactory, TenantFactory, UserFactory
from tests.conftest import PASSWORD
from tests.core.admin_forms import form_data


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def permissions(*codenames: str) -> list[Permission]:
    found = list(Permission.objects.filter(codename__in=codenames))
    assert len(found) == len(codenames)
    return found


@pytest.fixture
def theirs(db) -> Tenant:
    return TenantFactory(slug="tenant-a")


@pytest.fixture
def ours(db) -> Tenant:
    return TenantFactory(slug="tenant-b")


@pytest.fixture
def staff(make_user, ours):
    """`staff(*codenames, roles=("Admin",))`: a staff user of our tenant, not a superuser."""

    def make(*codenames: str, roles: tuple[str, ...] = ()):
        user = make_user(*roles, tenant=ours, is_staff=True)
        user.user_permissions.add(*permissions(*codenames))
        return user

    return make


@pytest.mark.django_db
def test_staff_cannot_tick_is_superuser_on_their_own_form(client, staff, theirs):
    user = staff("view_user", "change_user", "view_project")
    client.force_login(user)
    page = client.get(url(User, "change", user.pk))
    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in ("is_superuser", "is_staff", "groups", "user_permissions", "tenant"):
        assert name not in form.fields
    data = form_data(page) | {
        "is_superuser": "on",
        "is_staff": "on",
        "tenant": str(theirs.pk),
        "user_permissions": [str(p.pk) for p in Permission.objects.all()[:5]],
        "groups": [str(Group.objects.create(name="everything").pk)],
        "first_name": "Renamed",
    }
    response = client.post(url(User, "change", user.pk), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Renamed"  # the form itself works
    assert (user.is_superuser, user.is_staff, user.tenant.slug) == (False, True, "tenant-b")
    assert user.user_permissions.count() == 3 and user.groups.count() == 0
    project = ProjectFactory(tenant=theirs)
    client.force_login(user)
    assert client.get(url(Project, "change", project.pk)).status_code == 302


@pytest.mark.django_db
def test_status_is_still_chosen_on_the_user_form(client, staff):
    client.force_login(staff("view_user", "change_user"))
    other = UserFactory(tenant=staff("view_user").tenant)
    page = client.get(url(User, "change", other.pk))
    assert "status" in page.context["adminform"].form.fields
    client.post(url(User, "change", other.pk), form_data(page) | {"status": "suspended"})
    other.refresh_from_db()
    assert other.status == "suspended"


@pytest.mark.django_db
def test_a_user_created_by_staff_belongs_to_their_tenant(client, staff, theirs, ours, api):
    client.force_login(staff("add_user", "view_user", "change_user", roles=("Admin",)))
    response = client.post(
        url(User, "add"),
        {
            "tenant": str(theirs.pk),
            "email": "new@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(email="new@example.com")
    assert created.tenant == ours
    assert not User.objects.filter(tenant=theirs).exists()
    login = api().post(
        "/api/v1/auth/token/",
        {"email": "new@example.com", "password": PASSWORD, "tenant": theirs.slug},
        format="json",
    )
    assert login.status_code in (400, 401)


@pytest.mark.django_db
def test_a_unique_email_in_the_tenant_is_a_form_error_not_a_500(client, staff, ours):
    UserFactory(tenant=ours, email="taken@example.com")
    client.force_login(staff("add_user", "change_user", "view_user"))
    response = client.post(
        url(User, "add"),
        {"email": "taken@example.com", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert User.objects.filter(email="taken@example.com").count() == 1


@pytest.mark.django_db
def test_staff_cannot_grant_another_tenants_user_or_role(client, staff, theirs, system_roles):
    granter = staff("add_userrole", "view_userrole", roles=("Admin",))
    victim = UserFactory(tenant=theirs)
    their_role = Role.objects.create(tenant=theirs, code="OPS", name="Ops", permissions=[])
    mine = UserFactory(tenant=granter.tenant)
    client.force_login(granter)
    for user, role, field in (
        (victim, system_roles["Admin"], "user"),
        (mine, their_role, "role"),
    ):
        response = client.post(url(UserRole, "add"), {"user": str(user.pk), "role": str(role.pk)})
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "Select a valid choice" in str(errors[field])
    assert not UserRole.objects.exclude(user=granter).exists()


@pytest.mark.django_db
def test_an_administrator_grants_a_role_they_hold_and_is_recorded_as_granter(
    client, staff, system_roles
):
    granter = staff("add_userrole", "view_userrole", roles=("Admin",))
    colleague = UserFactory(tenant=granter.tenant)
    someone_else = UserFactory(tenant=granter.tenant)
    client.force_login(granter)
    response = client.post(
        url(UserRole, "add"),
        {
            "user": str(colleague.pk),
            "role": str(system_roles["TA"].pk),
            "granted_by": str(someone_else.pk),
        },
    )
    assert response.status_code == 302
    grant = UserRole.objects.get(user=colleague)
    assert (grant.role, grant.granted_by) == (system_roles["TA"], granter)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "grant", "to_self"),
    [
        (("Admin",), "SA", False),  # SA holds ai-recommendation rights the Administrator lacks
        (("Admin",), "EA", True),  # nobody grants themselves a role
    ],
)
def test_a_grant_beyond_the_granters_rights_is_refused(
    client, staff, system_roles, roles, grant, to_self
):
    granter = staff("add_userrole", "view_userrole", roles=roles)
    user = granter if to_self else UserFactory(tenant=granter.tenant)
    before = set(UserRole.objects.values_list("pk", flat=True))
    client.force_login(granter)
    response = client.post(
        url(UserRole, "add"),
        {
            "user": str(user.pk),
            "role": str(system_roles[grant].pk),
            "granted_at_0": "2026-01-01",
            "granted_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"user" if to_self else "role"}
    assert set(UserRole.objects.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_only_an_administrator_grants_or_revokes_roles(client, staff, system_roles):
    engineer = staff("add_userrole", "change_userrole", "delete_userrole", "view_userrole",
                     roles=("TA",))  # fmt: skip
    colleague = UserFactory(tenant=engineer.tenant)
    grant = UserRole.objects.create(user=colleague, role=system_roles["SE"])
    client.force_login(engineer)
    assert client.get(url(UserRole, "add")).status_code == 403
    assert client.post(url(UserRole, "delete", grant.pk), {"post": "yes"}).status_code == 403
    assert UserRole.objects.filter(pk=grant.pk).exists()


@pytest.mark.django_db
def test_an_administrator_revokes_through_the_service(client, staff, system_roles):
    admin_user = staff("delete_userrole", "view_userrole", roles=("Admin",))
    grant = UserRole.objects.create(
        user=UserFactory(tenant=admin_user.tenant), role=system_roles["SE"]
    )
    client.force_login(admin_user)
    assert client.post(url(UserRole, "delete", grant.pk), {"post": "yes"}).status_code == 302
    assert not UserRole.objects.filter(pk=grant.pk).exists()


@pytest.mark.django_db
def test_staff_cannot_change_system_roles_or_give_a_role_more_rights(client, staff, system_roles):
    admin_user = staff("add_role", "change_role", "view_role", roles=("Admin",))
    client.force_login(admin_user)
    system = system_roles["SE"]
    assert client.get(url(Role, "change", system.pk)).status_code == 200  # viewed, read-only
    posted = client.post(
        url(Role, "change", system.pk), {"code": "SE", "name": "x", "permissions": "[]"}
    )
    assert posted.status_code == 403
    system.refresh_from_db()
    assert system.name == "Software Engineer"
    refused = client.post(
        url(Role, "add"),
        {"code": "AI", "name": "AI", "permissions": '["ai-recommendation:manage:tenant"]'},
    )
    assert refused.status_code == 200
    assert "permissions" in refused.context["adminform"].form.errors
    accepted = client.post(
        url(Role, "add"),
        {
            "code": "OPS",
            "name": "Ops",
            "permissions": '["deployment:read:project"]',
            "tenant": str(TenantFactory().pk),
            "is_system": "on",
        },
    )
    assert accepted.status_code == 302
    role = Role.objects.get(code="OPS")
    assert (role.tenant, role.is_system) == (admin_user.tenant, False)
    assert not Role.objects.filter(code="AI").exists()


@pytest.mark.django_db
def test_staff_cannot_change_superusers_or_stronger_users(client, staff, system_roles):
    engineer = staff("view_user", "change_user", "delete_user", roles=("SE",))
    operator = UserFactory(tenant=engineer.tenant, is_staff=True, is_superuser=True)
    administrator = UserFactory(tenant=engineer.tenant)
    UserRole.objects.create(user=administrator, role=system_roles["Admin"])
    peer = UserFactory(tenant=engineer.tenant)
    client.force_login(engineer)
    for user in (operator, administrator):
        page = client.get(url(User, "change", user.pk))
        assert page.status_code == 200 and not page.context["has_change_permission"]
        assert (
            client.post(url(User, "change", user.pk), {"email": "x@example.com"}).status_code == 403
        )
        password = reverse("admin:auth_user_password_change", args=[user.pk])
        new = {"password1": "a-new-pass-1234", "password2": "a-new-pass-1234"}
        assert client.post(password, new).status_code == 403
    assert client.get(url(User, "change", peer.pk)).context["has_change_permission"]


@pytest.mark.django_db
def test_staff_view_only_their_own_tenant_and_change_none(client, staff, ours, theirs):
    client.force_login(staff("add_tenant", "change_tenant", "delete_tenant", "view_tenant"))
    listing = client.get(url(Tenant, "changelist"))
    assert list(listing.context["cl"].queryset) == [ours]
    assert client.get(url(Tenant, "change", theirs.pk)).status_code == 302
    assert client.get(url(Tenant, "add")).status_code == 403
    posted = client.post(url(Tenant, "change", ours.pk), {"name": "Renamed", "slug": "x",
                                                          "status": "active"})  # fmt: skip
    assert posted.status_code == 403
    ours.refresh_from_db()
    assert ours.name != "Renamed"


@pytest.mark.django_db
def test_groups_and_schedules_are_superuser_only(client, staff):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    platform = ["auth", "django_celery_beat"]
    every = Permission.objects.filter(content_type__app_label__in=platform)
    every = [permission.codename for permission in every]
    user = staff(*every)
    client.force_login(user)
    for model in (Group, PeriodicTask, IntervalSchedule):
        assert client.get(url(model, "changelist")).status_code == 403
        assert client.post(url(model, "add"), {"name": "all"}).status_code == 403
    assert not Group.objects.exists()
    index = client.get(reverse("admin:index"))
    assert b"Periodic tasks" not in index.content and b"Groups" not in index.content


@pytest.mark.django_db
def test_a_blueprint_cannot_be_moved_into_another_tenants_project(
    client, staff, theirs, make_user, api
):
    from tests.core.tenant_rows import TenantRows

    user = staff("view_blueprint", "change_blueprint")
    blueprint = TenantRows(user.tenant).row(Blueprint)
    their_project = ProjectFactory(tenant=theirs)
    client.force_login(user)
    page = client.get(url(Blueprint, "change", blueprint.pk))
    response = client.post(
        url(Blueprint, "change", blueprint.pk),
        form_data(page) | {"project": str(their_project.pk)},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["project"])
    blueprint.refresh_from_db()
    assert blueprint.project.tenant_id == user.tenant_id
    reader = make_user("Admin", tenant=theirs)
    assert api(reader).get("/api/v1/blueprints/").json()["count"] == 0


@pytest.mark.django_db
def test_a_filter_across_a_relation_lists_only_values_of_the_tenants_rows(
    client, staff, theirs, system_roles
):
    their_role = Role.objects.create(tenant=theirs, code="THEIR-SECRET", name="x", permissions=[])
    UserRole.objects.create(user=UserFactory(tenant=theirs), role=their_role)
    viewer = staff("view_userrole", roles=("Admin",))
    client.force_login(viewer)
    page = client.get(url(UserRole, "changelist"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Admin" in body  # the tenant's own grants' role codes are offered
    assert "THEIR-SECRET" not in body
