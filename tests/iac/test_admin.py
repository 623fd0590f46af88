"""The generations admin: read-only, files shown as stored (escaped, in <pre>), filters."""

import pytest
from django.urls import reverse

from apps.iac import services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_generation_is_shown_with_its_files_and_cannot_be_edited(ta, new_version, client):
    generation = services.generation_create(
        user=ta, version=new_version("aws"), format="terraform", enqueue=False
    )
    generation = services.generation_execute(generation.pk)
    assert generation.status == "completed", generation.error
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:iac_iacgeneration_change", args=[generation.pk])
    page = client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<pre") == len(generation.files)
    assert "resource &quot;aws_vpc&quot;" in html  # the file, escaped
    assert generation.content_hash in html
    assert 'name="format"' not in html  # read-only: no form inputs for the row's fields
    assert client.post(change, {"status": "failed"}).status_code == 403
    listing = client.get(reverse("admin:iac_iacgeneration_changelist"), {"status": "completed"})
    assert listing.status_code == 200 and str(generation.pk) in listing.content.decode()
    assert client.get(reverse("admin:iac_iacgeneration_add")).status_code == 403


def test_the_changelist_searches_by_id_blueprint_and_hash(ta, new_version, client):
    generation = services.generation_create(
        user=ta, version=new_version("azure", name="searchable"), format="bicep", enqueue=False
    )
    services.generation_execute(generation.pk)
    generation.refresh_from_db()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:iac_iacgeneration_changelist")
    for term in (str(generation.pk), "searchable", generation.content_hash[:12]):
        page = client.get(url, {"q": term})
        assert page.status_code == 200 and str(generation.pk) in page.content.decode(), term
    nothing = client.get(url, {"q": "no-such-thing"})
    assert nothing.status_code == 200 and str(generation.pk) not in nothing.content.decode()
