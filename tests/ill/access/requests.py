"""Access rules of the ILL area "requests" (merged into tests/access_matrix.py).

Beta borrows from gamma (the request routes: beta's requests) and lends to gamma (the supply
routes: beta's supplies). Reading a queue, a request, a supply, the settings or the figures is
for the library's ILL staff and administrator and for the coordinators of its region (STAFF):
nothing they read names a reader; the reader's card and name are shown to the library's own staff
only. Every action (placing, approving, answering, printing pull slips, shipping ...) is for the
library's own ILL staff and administrator (OWN_STAFF), never a coordinator; the settings are
changed by the library's own administrator. ``my/requests`` is the signed-in reader's (beta's
student "reader", whose card is in beta's schema); notices are every signed-in user's own.
"""

from tests.access_matrix import OWN_ADMIN, OWN_STAFF, READER_SELF, SIGNED_IN, STAFF, Call, get, post

BETA = {"code": "beta"}
REQUEST = {**BETA, "number": "api_request"}  # beta's request, with gamma
PENDING = {**BETA, "number": "api_request_pending"}  # beta's reader's request awaiting approval
SUPPLY = {**BETA, "number": "api_supply"}  # gamma's request, with beta

RULES: dict = {
    "ill-api-requests": [
        get(STAFF, args=BETA),
        post(OWN_STAFF, 201, args=BETA, data={"urid": "{gamma_record}", "card_number": "{api_card}"}),
    ],
    "ill-api-request": [get(STAFF, args=REQUEST)],
    "ill-api-request-action": [
        post(OWN_STAFF, args={**REQUEST, "action": "cancel"}, data={"note": "no longer needed"}),
        post(OWN_STAFF, args={**PENDING, "action": "reject"}, data={}),
    ],
    "ill-api-supplies": [get(STAFF, args=BETA)],
    "ill-api-pull-slips": [get(OWN_STAFF, args=BETA, why="printing moves supplies on: an action")],
    "ill-api-supply": [get(STAFF, args=SUPPLY)],
    "ill-api-supply-action": [post(OWN_STAFF, args={**SUPPLY, "action": "answer"},
                                   data={"decision": "expect_to_supply"})],
    "ill-api-settings": [get(STAFF, args=BETA),
                         Call("put", OWN_ADMIN, args=BETA, data={"auto_respond": True, "courier_days": 1})],
    "ill-api-figures": [get(STAFF, args=BETA, query="from=2026-01-01&to=2026-12-31")],
    "ill-api-notifications": [get(SIGNED_IN)],
    "ill-api-notifications-read": [post(SIGNED_IN, data={})],
    "ill-api-my-requests": [get(READER_SELF), post(READER_SELF, 201, data={"urid": "{gamma_record}"})],
    "ill-api-my-request-cancel": [post(READER_SELF, args={"number": "api_my_request"})],
}


def _request(borrower, lender, *, reader=None, status="sourcing"):
    from ill.models import IllRequest, RotaEntry
    from ill.services import exchange
    from ill.services.transitions import advance_request, next_request_number

    request = IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, bib={"title": "红楼梦"}, status=status,
        reader_id=reader.pk if reader else None, reader_user_id=reader.user_id if reader else None)
    if lender is None:
        return request, None
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=1)
    advance_request(request, "send_to_lender", values={"lender": lender})
    return request, exchange.send_request(request, entry)


def objects(library, users) -> dict:
    """beta's request to gamma, a reader's request awaiting approval, gamma's request to beta."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.models import Reader
    from tenants.models import Library

    gamma = Library.objects.get(code="gamma")
    with tenant_context(library):
        reader = Reader.objects.filter(user_id=users["reader"].pk).first() or Reader.objects.create(
            card_number="ILL-R1", name="乙读者", user_id=users["reader"].pk)
    connection.set_schema_to_public()
    request, _supply = _request(library, gamma)
    pending, _ = _request(library, None, reader=reader, status="awaiting_approval")
    mine, _ = _request(library, None, reader=reader, status="awaiting_approval")
    _theirs, supply = _request(gamma, library)
    return {"api_request": request.number, "api_request_pending": pending.number, "api_my_request": mine.number,
            "api_supply": supply.number, "api_card": reader.card_number}


def fuzz_known(library_a, library_b, users) -> dict:
    """For the API fuzzing (tests/config/test_api_fuzzing.py): alpha's request to beta, beta's to
    alpha (alpha's supply), and a request of alpha's fuzz reader, whose card is in alpha's schema."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.models import Reader

    with tenant_context(library_a):
        reader = Reader.objects.filter(user_id=users["reader"].pk).first()
    connection.set_schema_to_public()
    request, _supply = _request(library_a, library_b)
    _theirs, supply = _request(library_b, library_a)
    mine, _ = _request(library_a, None, reader=reader, status="awaiting_approval")
    from union.models import UnionRecord

    return {
        # The reader's own first: the first key a path ends with is the one aimed at.
        "path": {"my/requests/{number}": [mine.number], "requests/{number}": [request.number],
                 "supplies/{number}": [supply.number]},
        "body": {"decision": ["will_supply", "expect_to_supply"],
                 "urid": list(UnionRecord.objects.values_list("urid", flat=True)[:4])},
    }
