"""Access rules of the ILL web pages (merged into tests/access_matrix.py).

A library's ILL pages (``/ill/lib/<code>/...``) are for its own ILL staff and its administrator
(OWN_STAFF: a membership of the library itself; coordinators never see a library's requests, which
name its readers); the ILL settings for its administrator. A reader reaches only the request form
and their own requests (READER_SELF). In the matrix, beta is the allowed library: beta borrows for
its reader (a title only gamma holds, awaiting approval) and lends to alpha (two requests for a
title only beta holds: one new, one it will supply).
"""

from __future__ import annotations

from tests.access_matrix import OWN_ADMIN, OWN_STAFF, READER_SELF, get, post

BETA = {"code": "beta"}
REQUEST = {**BETA, "pk": "web_request"}
NEW_SUPPLY = {**BETA, "pk": "web_new_supply"}

RULES: dict = {
    # --- readers --------------------------------------------------------------------------------
    "ill-request-form": [get(READER_SELF, args={"urid": "record"}),
                         post(READER_SELF, args={"urid": "record"}, data={"service_type": "Loan"},
                              why="beta holds the title: the form shows the refusal")],
    "ill-my-requests": [get(READER_SELF)],
    "ill-my-cancel": [post(READER_SELF, 302, args={"pk": "web_request"})],
    "ill-my-notices-read": [post(READER_SELF, 302)],
    # --- the borrowing library --------------------------------------------------------------------
    "ill-borrowing": [get(OWN_STAFF, args=BETA)],
    "ill-staff-request-form": [get(OWN_STAFF, args={**BETA, "urid": "web_gamma_record"}),
                               post(OWN_STAFF, args={**BETA, "urid": "web_gamma_record"},
                                    data={"card_number": "NO-SUCH-CARD", "service_type": "Loan"},
                                    why="an unknown card: the form again")],
    "ill-request-detail": [get(OWN_STAFF, args=REQUEST)],
    "ill-request-act": [post(OWN_STAFF, 302, args=REQUEST, data={"action": "reject"})],
    "ill-request-offer-peer": [post(OWN_STAFF, 302, args=REQUEST, data={"peer": "0"},
                                    why="no such peer: back to the request with the refusal")],
    "ill-message-xml": [get(OWN_STAFF, args={**BETA, "pk": "web_message"})],
    # --- the lending library ------------------------------------------------------------------------
    "ill-lending": [get(OWN_STAFF, args=BETA)],
    "ill-pull-slips": [post(OWN_STAFF, args=BETA)],
    "ill-lending-scan": [get(OWN_STAFF, args=BETA),
                         post(OWN_STAFF, args=BETA, data={"mode": "pick", "scan": "NOTHING-HERE"})],
    "ill-supply-detail": [get(OWN_STAFF, args=NEW_SUPPLY)],
    "ill-supply-answer": [post(OWN_STAFF, 302, args=NEW_SUPPLY, data={"decision": "unfilled",
                                                                        "reason": "NotOnShelf"})],
    "ill-supply-act": [post(OWN_STAFF, 302, args={**BETA, "pk": "web_will_supply"},
                            data={"action": "pick", "barcode": "NOT-THE-COPY"})],
    # --- the library ------------------------------------------------------------------------------
    "ill-settings": [get(OWN_ADMIN, args=BETA),
                     post(OWN_ADMIN, 302, args=BETA, data={"approval_required": "unknown", "courier_days": "2",
                                                            "pickup_points_text": "总服务台"})],
    "ill-figures": [get(OWN_STAFF, args=BETA)],
}


def objects(library, users) -> dict:
    """Beta's reader asks for a title only gamma holds; two alpha readers ask for one only beta holds."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.models import Reader
    from ill.models import IllMessage
    from ill.services import lending, requests
    from tenants.models import Library
    from tests.builders import create_instance, sync, union_record_of
    from tests.ill.lending.flow import request_to

    alpha, gamma = Library.objects.get(code="alpha"), Library.objects.get(code="gamma")
    gamma_book = create_instance(gamma, title="呐喊", authors=["鲁迅"], year=1973, isbns=["9787020001446"], items=1)
    beta_book = create_instance(library, title="骆驼祥子", authors=["老舍"], year=1978, isbns=["9787020002337"],
                                items=1)
    sync()
    connection.set_schema_to_public()
    gamma_record, beta_record = union_record_of(gamma, gamma_book), union_record_of(library, beta_book)
    with tenant_context(library):
        reader_b = Reader.objects.get(user_id=users["reader"].pk)
    ill_request = requests.place_request(borrower=library, union_record=gamma_record, reader=reader_b,
                                         actor=users["reader"])
    with tenant_context(alpha):
        alpha_readers = [Reader.objects.create(card_number=f"ILL-A{n}", name=f"甲读者{n}") for n in (1, 2)]
    connection.set_schema_to_public()
    # Sent to beta as the rota sends them (the rota itself reads the day: a weekend would pass beta over).
    new_supply, will_supply = (request_to(alpha, library, beta_record, reader=r)[1] for r in alpha_readers)
    lending.answer(will_supply, "will_supply", actor=users["beta's administrator"])
    message = IllMessage.objects.filter(supply=will_supply).first()
    return {"web_request": ill_request.pk, "web_gamma_record": gamma_record.urid, "web_new_supply": new_supply.pk,
            "web_will_supply": will_supply.pk, "web_message": message.pk}
