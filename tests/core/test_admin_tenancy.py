"""Every admin model walked as a tenant's staff user who holds every model permission and the
tenant's Administrator role, with one row of every model in two tenants: nothing of the other
tenant is listed, opened, offered or written, and the user cannot raise their own rights."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.models import Role, Tenant, User, UserRole
from tests.accounts.factories import TenantFactory, UserFactory
from tests.core.admin_forms import form_data
from tests.core.tenant_rows import TenantRows

# Fields through which rights or a row's tenant would be chosen: never offered to tenant staff.
PLATFORM_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "tenant")
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class World:
    def __init__(self, system_roles):
        self.system_roles = system_roles
        self.ours, self.theirs = TenantFactory(slug="ours"), TenantFactory(slug="theirs")
        self.our_rows = TenantRows(self.ours).build_all()
        self.their_rows = TenantRows(self.theirs).build_all()
        self.staff = UserFactory(tenant=self.ours, is_staff=True)
        self.staff.user_permissions.set(Permission.objects.all())
        UserRole.objects.create(user=self.staff, role=system_roles["Admin"])

    def rights(self) -> tuple:
        user = User.objects.get(pk=self.staff.pk)
        return (
            user.is_superuser,
            user.is_staff,
            user.tenant_id,
            frozenset(user.user_permissions.values_list("pk", flat=True)),
            frozenset(user.groups.values_list("pk", flat=True)),
            frozenset(UserRole.objects.filter(user=user).values_list("role_id", "expires_at")),
            frozenset(
                (role.pk, tuple(role.permissions))
                for role in Role.objects.filter(user_roles__user=user)
            ),
        )

    def reaches_theirs(self, queryset) -> bool:
        path = getattr(queryset.model, "tenant_path", None)
        if path is None:
            return queryset.exists()
        return queryset.filter(**{path: self.theirs.pk}).exists()


@pytest.fixture
def world(system_roles, client) -> World:
    world = World(system_roles)
    client.force_login(world.staff)
    return world


def _main_form(response):
    """The admin's form, or the form of a page of its own (e.g. "Add" that picks a version)."""
    if "adminform" in response.context:
        return response.context["adminform"].form
    return response.context.get("form")


def _forms(response):
    form = _main_form(response)
    if form is not None:
        yield form
    for inline in response.context.get("inline_admin_formsets", []):
        yield from inline.formset.forms
        yield inline.formset.empty_form


def _relation_fields(form):
    meta = getattr(form, "_meta", None)
    pk_name = meta.model._meta.pk.name if meta is not None and meta.model else None
    for name, field in form.fields.items():
        if name == pk_name:
            continue  # a formset's hidden id of the row it edits, not a choice
        if isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
            yield name, field


def _assert_form_offers_nothing_of_theirs(world, response, model):
    for form in _forms(response):
        assert not set(PLATFORM_FIELDS) & set(form.fields), (model, sorted(form.fields))
        for name, field in _relation_fields(form):
            assert not world.reaches_theirs(field.queryset), (model, name)


def _snapshot(model):
    return sorted(map(repr, model._base_manager.values_list()))


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_staff_reach_only_their_tenant_through_every_admin(client, world, model):
    rights = world.rights()
    tenant_scoped = hasattr(model, "tenant_path")

    # (a) the changelist lists only our rows (a model without a tenant is not ours to list)
    listing = client.get(url(model, "changelist"))
    if not tenant_scoped:
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        # What the page lists: its changelist, or (a page of its own) the admin's queryset.
        cl = listing.context.get("cl")
        listed = (
            cl.queryset if cl else admin.site._registry[model].get_queryset(listing.wsgi_request)
        )
        assert not world.reaches_theirs(listed)
        ours = world.our_rows.get(model) or model.objects.for_tenant(world.ours).first()
        assert listed.filter(pk=ours.pk).exists()

    # (b) their row cannot be opened, deleted or its history read
    theirs = world.their_rows.get(model)
    if theirs is None and tenant_scoped:
        theirs = model.objects.for_tenant(world.theirs).first()
    if theirs is not None:
        for view in ("change", "delete", "history"):
            response = client.get(url(model, view, theirs.pk))
            assert response.status_code in (302, 403, 404), view
        response = client.post(url(model, "delete", theirs.pk), {"post": "yes"})
        assert response.status_code in (302, 403, 404)
        assert model._base_manager.filter(pk=theirs.pk).exists()

    # (c) + (d) every form that renders offers nothing of theirs, and refuses their ids
    ours = world.our_rows.get(model)
    pages = [("add", url(model, "add"))]
    if ours is not None:
        pages.append(("change", url(model, "change", ours.pk)))
    for view, page_url in pages:
        page = client.get(page_url)
        assert page.status_code in (200, 403), (view, page.status_code)
        if page.status_code != 200:
            continue
        _assert_form_offers_nothing_of_theirs(world, page, model)
        if view == "change" and not page.context["has_change_permission"]:
            continue
        form = _main_form(page)
        if form is None:
            continue
        for name, field in _relation_fields(form):
            related = field.queryset.model
            if related not in world.their_rows:
                continue
            before = _snapshot(model)
            value = str(world.their_rows[related].pk)
            many = isinstance(field, forms.ModelMultipleChoiceField)
            data = form_data(page) | {name: [value] if many else value}
            response = client.post(page_url, data)
            assert response.status_code == 200, (view, name, response.status_code)
            errors = _main_form(response).errors
            assert "Select a valid choice" in str(errors.get(name)), (view, name, errors)
            assert _snapshot(model) == before, (view, name)

    # (e) nothing above changed the user's own rights
    assert world.rights() == rights


@pytest.mark.django_db
def test_staff_cannot_raise_their_own_rights_by_any_route(client, world):
    """(e) Every route to more rights, tried by the tenant's own Administrator."""
    rights = world.rights()
    staff = world.staff
    page = client.get(url(User, "change", staff.pk))
    client.post(
        url(User, "change", staff.pk),
        form_data(page)
        | {
            "is_superuser": "on",
            "is_staff": "on",
            "tenant": str(world.theirs.pk),
            "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
        },
    )
    for role in Role.objects.filter(tenant__isnull=True):
        client.post(url(UserRole, "add"), {"user": str(staff.pk), "role": str(role.pk)})
    held = UserRole.objects.get(user=staff)
    client.post(url(UserRole, "change", held.pk), {"expires_at_0": "", "expires_at_1": ""})
    client.post(url(UserRole, "delete", held.pk), {"post": "yes"})
    admin_role = world.system_roles["Admin"]
    client.post(
        url(Role, "change", admin_role.pk),
        {"code": "Admin", "name": "Admin", "permissions": '["ai-recommendation:manage:tenant"]'},
    )
    own = Role.objects.create(tenant=world.ours, code="MINE", name="Mine", permissions=[])
    UserRole.objects.create(user=UserFactory(tenant=world.ours), role=own)
    client.post(
        url(Role, "change", own.pk),
        {"code": "MINE", "name": "Mine", "permissions": '["ai-recommendation:manage:tenant"]'},
    )
    client.post(url(Group, "add"), {"name": "all", "permissions": ["1", "2"]})
    client.post(
        url(Tenant, "change", world.ours.pk), {"name": "x", "slug": "x", "status": "active"}
    )
    assert world.rights() == rights
    own.refresh_from_db()
    assert own.permissions == []
    assert not Group.objects.exists()


def _autocomplete_fields():
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        for name in model_admin.autocomplete_fields:
            yield pytest.param(model, name, id=f"{model._meta.label}.{name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field_name"), list(_autocomplete_fields()))
def test_autocomplete_lists_only_the_users_tenant(client, world, model, field_name):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field_name,
            "term": "",
        },
    )
    if response.status_code == 403:  # an admin of platform rows
        assert not hasattr(model._meta.get_field(field_name).related_model, "tenant_path")
        return
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    related = model._meta.get_field(field_name).related_model
    assert ids, "our own rows are listed"
    assert not world.reaches_theirs(related._base_manager.filter(pk__in=ids))


@pytest.mark.django_db
def test_system_roles_are_offered_for_grants_and_read_only(client, world):
    se = world.system_roles["SE"]
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "userrole", "field_name": "role", "term": "SE"},
    )
    assert str(se.pk) in [row["id"] for row in response.json()["results"]]
    assert not client.get(url(Role, "change", se.pk)).context["has_change_permission"]
    assert client.post(url(Role, "delete", se.pk), {"post": "yes"}).status_code == 403
    assert Role.objects.filter(pk=se.pk).exists()
