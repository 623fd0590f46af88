import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def test_token_pair_for_email_and_password(api, make_user):
    user = make_user("SA", email="sa@example.com")
    response = api().post(
        "/api/v1/auth/token/", {"email": "sa@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in", "user"}
    assert body["user"] == {"id": str(user.pk), "email": user.email, "tenant": user.tenant.slug}
    assert body["expires_in"] == 900


def test_wrong_password_is_401_with_a_clear_message(api, make_user):
    make_user(email="sa@example.com")
    response = api().post(
        "/api/v1/auth/token/", {"email": "sa@example.com", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    assert "password" in error["message"]


def test_missing_fields_are_400_with_field_errors(api):
    response = api().post("/api/v1/auth/token/", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"email", "password"}


def test_refresh_gives_a_new_access_token(api, make_user):
    user = make_user(email="sa@example.com")
    tokens = (
        api()
        .post(
            "/api/v1/auth/token/",
            {"email": user.email, "password": PASSWORD},
            format="json",
        )
        .json()
    )
    response = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["access"]


def test_a_bad_bearer_token_is_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.get("/api/v1/blueprints/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "token_not_valid"}


def test_anonymous_requests_are_401(api):
    response = api().get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_login_attempts_are_throttled(api, make_user, settings):
    make_user(email="sa@example.com")
    client = api()
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"email": "sa@example.com", "password": "x"}, format="json"
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
