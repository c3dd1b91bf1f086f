"""Access rules of the ILL area "copies" (document delivery), merged into tests/access_matrix.py.

The upload page and API are the lender's own ILL staff and administrator's (beta lends to
gamma); the download and the details of a copy are the borrowing library's own ILL staff and
administrator's (beta borrows from gamma), or the reader whose request it is (beta's student
"reader"). Coordinators never reach a copy; the token alone lets nobody in.
"""

from tests.access_matrix import OWN_STAFF, READER_SELF, get, post

SENT = {"code": "beta", "number": "copy_sent_supply"}  # beta lent a copy, already sent
TO_SEND = {"code": "beta", "number": "copy_supply"}  # beta's supply waiting for its scan
STAFF_LINK = {"token": "copy_token"}  # beta borrowed a copy for its own staff
READER_LINK = {"token": "copy_token_reader"}  # beta borrowed a copy for its student "reader"

RULES: dict = {
    "ill-api-supply-copy": [
        get(OWN_STAFF, args=SENT),
        post(OWN_STAFF, 201, args=TO_SEND, data={"file": "{copy_pdf_api}", "pages": 3, "declaration": "true"}),
    ],
    "ill-supply-copy": [
        get(OWN_STAFF, args=SENT),
        post(OWN_STAFF, 302, args=TO_SEND, data={"file": "{copy_pdf_web}", "pages": 3, "declaration": "on"}),
    ],
    "ill-api-copy-download": [get(OWN_STAFF, args=STAFF_LINK), get(READER_SELF, args=READER_LINK)],
    "ill-api-copy": [get(OWN_STAFF, args=STAFF_LINK), get(READER_SELF, args=READER_LINK)],
    "ill-copy": [get(OWN_STAFF, args=STAFF_LINK), post(OWN_STAFF, args=STAFF_LINK),
                 get(READER_SELF, args=READER_LINK), post(READER_SELF, args=READER_LINK)],
}


def _copy_request(borrower, lender, *, reader_user=None):
    from ill.models import IllRequest, RotaEntry
    from ill.services import exchange
    from ill.services.transitions import advance_request, next_request_number

    request = IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, bib={"title": "红楼梦"}, service_type="Copy",
        pages="1-10", reader_user_id=reader_user.pk if reader_user else None, status=IllRequest.Status.SOURCING)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=1)
    advance_request(request, "send_to_lender", values={"lender": lender})
    return request, exchange.send_request(request, entry)


def fuzz_known(library_a, library_b, users) -> dict:
    """For the API fuzzing: alpha's reader has a copy from beta; alpha lent one copy and waits to send another."""
    from ill.services import copies
    from tests.ill.copies.pdfs import pdf_upload

    _request, borrowed = _copy_request(library_a, library_b, reader_user=users["reader"])
    delivery = copies.upload_copy(borrowed, pdf_upload(), pages=2, declaration=True)
    _request, lent = _copy_request(library_b, library_a)
    copies.upload_copy(lent, pdf_upload(), pages=2, declaration=True)
    _request, waiting = _copy_request(library_b, library_a)
    return {"path": {"copies/{token}": [delivery.token], "copies/{number}": [lent.number, waiting.number]}}


def objects(library, users) -> dict:
    """Copy requests between beta and gamma: one for beta to send, three with their scan sent."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ill.services import copies
    from tenants.models import Library
    from tests.ill.copies.pdfs import pdf_bytes, pdf_upload

    gamma = Library.objects.get(code="gamma")
    _request, to_send = _copy_request(gamma, library)
    _request, sent = _copy_request(gamma, library)
    copies.upload_copy(sent, pdf_upload(), pages=2, declaration=True)
    _request, for_staff = _copy_request(library, gamma)
    staff_copy = copies.upload_copy(for_staff, pdf_upload(), pages=2, declaration=True)
    _request, for_reader = _copy_request(library, gamma, reader_user=users["reader"])
    reader_copy = copies.upload_copy(for_reader, pdf_upload(), pages=2, declaration=True)
    pdf = pdf_bytes(1)
    return {
        "copy_supply": to_send.number, "copy_sent_supply": sent.number,
        "copy_token": staff_copy.token, "copy_token_reader": reader_copy.token,
        "copy_pdf_api": SimpleUploadedFile("scan.pdf", pdf, content_type="application/pdf"),
        "copy_pdf_web": SimpleUploadedFile("scan.pdf", pdf, content_type="application/pdf"),
    }
