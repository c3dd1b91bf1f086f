import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_service(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert "mode" in body["broker"]
    assert body["search"]["ok"] is True


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_is_503_when_the_broker_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_api_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/libraries/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_unexpected_api_errors_are_json(api_as, librarian_a, monkeypatch):
    from tenants.api import views

    def boom(self, request):
        raise RuntimeError("kaput")

    monkeypatch.setattr(views.Me, "get", boom)
    client = api_as(librarian_a)
    client.raise_request_exception = False
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_bad_json_is_400(api_as, coordinator):
    response = api_as(coordinator).generic("POST", "/api/v1/libraries/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.django_db
def test_a_form_with_too_many_fields_is_a_400_not_a_500(api, library_a, make_user, settings):
    from tenants.models import Role

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    api.force_authenticate(make_user("adm", Role.LIBRARY_ADMIN, library=library_a))
    body = "&".join(f"barcodes={n}" for n in range(50))
    response = api.post("/api/v1/libraries/alpha/desk/checkin/", body,
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
