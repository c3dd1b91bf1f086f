"""A lender sends a scan for a Copy request: only a real PDF, within the size, with pages and the
copyright declaration, for a member's copy request not yet supplied."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ill.exceptions import BadCopy, SupplyRefused
from ill.models import (
    CopyDelivery,
    IllPolicy,
    IllRequest,
    Notification,
    ServiceType,
    Supply,
    SupplyStatusChange,
)
from ill.services import copies
from ill.services.transitions import advance_supply
from tests.ill.copies.conftest import copy_request
from tests.ill.copies.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db


def test_a_scan_completes_the_supply_and_delivers_the_borrowers_request(copy_world, private_root):
    body = pdf_bytes(3)
    upload = SimpleUploadedFile("第一回.pdf", body, content_type="application/pdf")
    delivery = copies.upload_copy(copy_world.supply, upload, pages=19, declaration=True,
                                  actor=copy_world.staff["beta"])

    supply = Supply.objects.get(pk=copy_world.supply.pk)
    request = IllRequest.objects.get(pk=copy_world.request.pk)
    assert (supply.status, supply.pages_supplied) == ("copy_completed", 19)
    assert (request.status, request.supplier_status) == ("copy_delivered", "CopyCompleted")
    assert SupplyStatusChange.objects.filter(subject=supply, action="send_copy").exists()
    assert delivery.request == request and delivery.pages == 19 and delivery.copyright_declared
    assert delivery.declaration and delivery.declared_by == copy_world.staff["beta"].username
    assert delivery.max_downloads == 5 and delivery.downloads == 0
    assert 29 * 86400 < (delivery.expires_at - delivery.uploaded_at).total_seconds() <= 30 * 86400
    assert len(delivery.token) >= 40 and copies.link_for(request) == delivery
    # The reader hears that the copy can be downloaded, with its link.
    notice = Notification.objects.get(reader_user_id=copy_world.reader.pk, kind="copy_ready")
    assert delivery.token in notice.params["link"]
    # Kept privately, under a random name, byte for byte, with its hash.
    stored = Path(settings.ILL_PRIVATE_ROOT) / delivery.path
    assert stored.read_bytes() == body and delivery.size == len(body)
    assert delivery.sha256 == hashlib.sha256(body).hexdigest()
    assert "第一回" not in delivery.path and delivery.original_name == "第一回.pdf"
    assert stored.stat().st_mode & 0o077 == 0


def test_a_declaration_text_of_its_own_is_kept(copy_world):
    delivery = copies.upload_copy(copy_world.supply, pdf_upload(), pages=2, declaration="仅供个人学习研究使用。")
    assert delivery.declaration == "仅供个人学习研究使用。"


@pytest.mark.parametrize("content", [
    b"Hello, this is not a PDF at all.\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
    b"%PDF-1.7\nthis only looks like one\n%%EOF\n",  # the header and trailer, but nothing a reader can parse
    pdf_bytes(1)[:-200],  # cut short: no trailer
])
def test_what_is_not_a_pdf_is_refused_whatever_its_name(copy_world, private_root, content):
    with pytest.raises(BadCopy) as refused:
        copies.upload_copy(copy_world.supply, SimpleUploadedFile("scan.pdf", content), pages=1, declaration=True)
    assert refused.value.code == "not_pdf"
    _nothing_sent(copy_world, private_root)


def test_a_scan_larger_than_the_policy_allows_is_refused(copy_world, private_root):
    policy = IllPolicy.current()
    policy.copy_max_megabytes = 1
    policy.save()
    big = pdf_bytes(1) + b"%" + b"x" * (1024 * 1024)
    with pytest.raises(BadCopy) as refused:
        copies.upload_copy(copy_world.supply, SimpleUploadedFile("scan.pdf", big), pages=1, declaration=True)
    assert refused.value.code == "too_large"

    class Unsized:  # a stream that does not say its size is counted as it is written
        def __init__(self):
            self.parts = [big[i:i + 65536] for i in range(0, len(big), 65536)]

        def read(self, n=-1):
            return self.parts.pop(0) if self.parts else b""

    with pytest.raises(BadCopy) as refused:
        copies.upload_copy(copy_world.supply, Unsized(), pages=1, declaration=True)
    assert refused.value.code == "too_large"
    _nothing_sent(copy_world, private_root)


@pytest.mark.parametrize(("declaration", "pages", "code"), [
    (False, 3, "no_declaration"), ("", 3, "no_declaration"), ("   ", 3, "no_declaration"),
    (True, 0, "no_pages"), (True, None, "no_pages"),
])
def test_the_declaration_and_the_pages_are_required(copy_world, private_root, declaration, pages, code):
    with pytest.raises(BadCopy) as refused:
        copies.upload_copy(copy_world.supply, pdf_upload(), pages=pages, declaration=declaration)
    assert refused.value.code == code
    _nothing_sent(copy_world, private_root)


def test_a_loan_request_or_a_supply_already_sent_takes_no_scan(copy_world, private_root):
    _request, loan_supply = copy_request(copy_world.gamma, copy_world.beta, service_type=ServiceType.LOAN)
    with pytest.raises(SupplyRefused) as refused:
        copies.upload_copy(loan_supply, pdf_upload(), pages=2, declaration=True)
    assert refused.value.code == "not_copy"

    copies.upload_copy(copy_world.supply, pdf_upload(), pages=2, declaration=True)
    with pytest.raises(SupplyRefused) as refused:
        copies.upload_copy(Supply.objects.get(pk=copy_world.supply.pk), pdf_upload(), pages=2, declaration=True)
    assert refused.value.code == "wrong_state"
    assert CopyDelivery.objects.count() == 1
    assert len(list(Path(private_root).rglob("*.pdf"))) == 1


def test_a_copy_or_loan_request_can_be_answered_with_a_scan(copy_world):
    request, supply = copy_request(copy_world.gamma, copy_world.beta, service_type=ServiceType.COPY_OR_LOAN)
    advance_supply(supply, "will_supply", reason="RequestResponse", answer_yes=True)
    copies.upload_copy(supply, pdf_upload(), pages=4, declaration=True)
    request.refresh_from_db()
    assert request.status == "copy_delivered"


def test_a_stale_supply_object_cannot_send_a_second_scan(copy_world, private_root):
    stale = Supply.objects.get(pk=copy_world.supply.pk)
    copies.upload_copy(copy_world.supply, pdf_upload(), pages=2, declaration=True)
    with pytest.raises(SupplyRefused):
        copies.upload_copy(stale, pdf_upload(), pages=2, declaration=True)
    assert len(list(Path(private_root).rglob("*.pdf"))) == 1


def _nothing_sent(world, root) -> None:
    assert not CopyDelivery.objects.exists()
    assert Supply.objects.get(pk=world.supply.pk).status == "new"
    assert IllRequest.objects.get(pk=world.request.pk).status == "requested"
    assert not list(Path(root).rglob("*.pdf"))
