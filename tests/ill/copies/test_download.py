"""The reader downloads the copy through its link: counted, limited, expiring, and theirs alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from ill.exceptions import CopyGone
from ill.models import CopyDelivery, IllPolicy, IllRequest
from ill.services import copies
from tenants.models import Role
from tests.ill.copies.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


def _client(user=None, *, web=False):
    client = APIClient()
    if user is not None:
        if web:
            client.force_login(user)
        else:
            client.force_authenticate(user=user)
    return client


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def sent(copy_world):
    """Beta's ILL clerk uploads the scan through the API; the delivery."""
    body = pdf_bytes(3)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _client(copy_world.staff["beta"]).post(
        f"/api/v1/ill/libraries/beta/copies/{copy_world.supply.number}/",
        {"file": SimpleUploadedFile("scan.pdf", body, content_type="application/pdf"), "pages": 17,
         "declaration": "true"}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["download"] is None  # the lender does not download
    delivery = CopyDelivery.objects.get(supply=copy_world.supply)
    copy_world.delivery, copy_world.body = delivery, body
    return copy_world


def test_the_reader_downloads_five_times_then_the_link_is_gone(sent, django_capture_on_commit_callbacks):
    request = IllRequest.objects.get(pk=sent.request.pk)
    assert request.status == "copy_delivered"
    url = f"/api/v1/ill/copies/{sent.delivery.token}/"
    reader = _client(sent.reader)
    details = reader.get(url + "details/").json()
    assert (details["state"], details["downloads_left"], details["pages"]) == ("available", 5, 17)
    assert details["download"].endswith(url)
    for n in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            response = reader.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"] and request.number in response["Content-Disposition"]
        assert _content(response) == sent.body
        sent.delivery.refresh_from_db()
        assert sent.delivery.downloads == n
    # The last download deleted the file; the sixth is refused.
    assert sent.delivery.deleted_at is not None
    assert not (Path(settings.ILL_PRIVATE_ROOT) / sent.delivery.path).exists()
    response = reader.get(url)
    assert response.status_code == 410 and response.json()["code"] == "used_up"
    sent.delivery.refresh_from_db()
    assert sent.delivery.downloads == 5
    assert reader.get(url + "details/").json()["state"] == "used_up"
    assert copies.purge_expired() == 0  # already deleted


def test_an_expired_link_is_gone_and_its_file_purged(sent):
    delivery = sent.delivery
    later = delivery.expires_at + dt.timedelta(seconds=1)
    with pytest.raises(CopyGone) as gone:
        copies.open_download(delivery.token, now=later)
    assert gone.value.code == "expired"
    delivery.refresh_from_db()
    assert delivery.downloads == 0
    stored = Path(settings.ILL_PRIVATE_ROOT) / delivery.path
    assert copies.purge_expired(now=delivery.expires_at - dt.timedelta(seconds=1)) == 0 and stored.exists()
    assert copies.purge_expired(now=later) == 1
    assert not stored.exists()
    assert copies.purge_expired(now=later) == 0  # idempotent
    delivery.refresh_from_db()
    assert delivery.deleted_at == later
    response = _client(sent.reader).get(f"/api/v1/ill/copies/{delivery.token}/")
    assert response.status_code == 410 and response.json()["code"] == "expired"
    page = _client(sent.reader, web=True).get(f"/ill/copies/{delivery.token}/")
    assert page.status_code == 410 and 'data-state="expired"' in page.content.decode()


def test_the_policy_sets_the_links_life_and_downloads(copy_world):
    policy = IllPolicy.current()
    policy.copy_link_days, policy.copy_max_downloads = 7, 2
    policy.save()
    from tests.ill.copies.pdfs import pdf_upload

    delivery = copies.upload_copy(copy_world.supply, pdf_upload(), pages=2, declaration=True)
    assert delivery.max_downloads == 2
    assert (delivery.expires_at - delivery.uploaded_at) == dt.timedelta(days=7)
    for _ in range(2):
        handle, _name = copies.open_download(delivery.token)
        handle.close()
    with pytest.raises(CopyGone):
        copies.open_download(delivery.token)


def test_the_borrowing_librarys_staff_may_download_but_nobody_else(sent, make_user):
    url = f"/api/v1/ill/copies/{sent.delivery.token}/"
    assert _client(sent.staff["alpha"]).get(url).status_code == 200
    alpha_admin = make_user("admin-alpha", Role.LIBRARY_ADMIN, library=sent.alpha)
    assert _client(alpha_admin).get(url).status_code == 200
    strangers = {
        "another reader of alpha": make_user("reader-alpha-2", Role.STUDENT, library=sent.alpha),
        "a cataloguer of alpha": make_user("cat-alpha", Role.CATALOGUER, library=sent.alpha),
        "gamma's ILL staff": sent.staff["gamma"],
        "the lender's ILL staff": sent.staff["beta"],
        "a coordinator of alpha's district": make_user("coord-east", Role.COORDINATOR, region=sent.alpha.region),
    }
    for who, user in strangers.items():
        assert _client(user).get(url).status_code == 403, who
        assert _client(user, web=True).get(f"/ill/copies/{sent.delivery.token}/").status_code == 403, who
        assert _client(user, web=True).post(f"/ill/copies/{sent.delivery.token}/").status_code == 403, who
    assert _client().get(url).status_code == 401
    assert _client().get(f"/ill/copies/{sent.delivery.token}/").status_code == 302  # to the login page
    assert _client(sent.reader).get("/api/v1/ill/copies/not-a-token/").status_code == 404
    sent.delivery.refresh_from_db()
    assert sent.delivery.downloads == 2  # only alpha's staff's two downloads counted


def test_the_lender_sees_what_it_sent_but_not_the_file(sent):
    lender = _client(sent.staff["beta"])
    details = lender.get(f"/api/v1/ill/libraries/beta/copies/{sent.supply.number}/").json()
    assert (details["pages"], details["size"], details["downloads"]) == (17, len(sent.body), 0)
    assert details["download"] is None and "token" not in details
    assert lender.get(f"/api/v1/ill/copies/{sent.delivery.token}/details/").status_code == 200
    assert lender.get(f"/api/v1/ill/copies/{sent.delivery.token}/").status_code == 403
    # Another library's staff see nothing of beta's supplies.
    assert _client(sent.staff["gamma"]).get(
        f"/api/v1/ill/libraries/beta/copies/{sent.supply.number}/").status_code == 403
    page = _client(sent.staff["beta"], web=True).get(
        reverse("ill-supply-copy", kwargs={"code": "beta", "number": sent.supply.number}))
    assert page.status_code == 200 and 'id="copy-sent"' in page.content.decode()
    assert 'id="copy-upload"' not in page.content.decode()


def test_the_file_is_not_under_the_public_media_or_static_files(sent):
    stored = (Path(settings.ILL_PRIVATE_ROOT) / sent.delivery.path).resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not stored.is_relative_to(Path(public).resolve())
    client = _client(sent.reader, web=True)
    name = Path(sent.delivery.path).name
    for prefix in ({settings.MEDIA_URL or "/media/", "/media/"} | {settings.STATIC_URL}):
        for tail in (sent.delivery.path, name, f"ill-private/{sent.delivery.path}"):
            response = client.get(prefix.rstrip("/") + "/" + tail)
            assert response.status_code == 404, prefix + tail
    sent.delivery.refresh_from_db()
    assert sent.delivery.downloads == 0


def test_the_web_pages_upload_and_download_without_javascript(copy_world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = _client(copy_world.staff["beta"], web=True)
    page_url = reverse("ill-supply-copy", kwargs={"code": "beta", "number": copy_world.supply.number})
    form = staff.get(page_url)
    assert form.status_code == 200 and 'id="copy-upload"' in form.content.decode()
    refused = staff.post(page_url, {"file": SimpleUploadedFile("a.pdf", b"not a pdf"), "pages": 3,
                                    "declaration": "on"})
    assert refused.status_code == 400 and not CopyDelivery.objects.exists()
    undeclared = staff.post(page_url, {"file": SimpleUploadedFile("a.pdf", pdf_bytes(1)), "pages": 3})
    assert undeclared.status_code == 400 and not CopyDelivery.objects.exists()
    body = pdf_bytes(2)
    sent = staff.post(page_url, {"file": SimpleUploadedFile("a.pdf", body), "pages": 3, "declaration": "on"})
    assert sent.status_code == 302 and sent["Location"] == page_url
    delivery = CopyDelivery.objects.get()
    assert IllRequest.objects.get(pk=copy_world.request.pk).status == "copy_delivered"

    reader = _client(copy_world.reader, web=True)
    link = reverse("ill-copy", kwargs={"token": delivery.token})
    landing = reader.get(link)
    assert landing.status_code == 200 and 'data-state="available"' in landing.content.decode()
    delivery.refresh_from_db()
    assert delivery.downloads == 0  # opening the page counts nothing
    with django_capture_on_commit_callbacks(execute=True):
        download = reader.post(link)
    assert download.status_code == 200 and _content(download) == body
    delivery.refresh_from_db()
    assert delivery.downloads == 1
    CopyDelivery.objects.filter(pk=delivery.pk).update(downloads=5)
    gone = reader.post(link)
    assert gone.status_code == 410 and 'data-state="used_up"' in gone.content.decode()
