"""Access rules of the circulation area "desk" (merged into tests/access_matrix.py).

``RULES`` maps route names to calls as in tests/access_matrix.py; ``objects(library, users)``
makes the objects those calls name, in the library "beta" of the access-matrix catalogue, and
returns {name: value}.

The desk (lend, return, renew, a reader's desk summary, the desk page) is for the library's own
desk people, student helpers included; the open-loans list and the desk log for its circulation
staff. Coordinators never reach any of it: it is readers' data.
"""

from tests.access_matrix import DESK, OWN_STAFF, get, post

BETA = {"code": "beta"}

RULES: dict = {
    "circ-api-desk-checkout": [post(DESK, args=BETA, data={"card": "{desk_card}", "barcode": "{desk_shelf_barcode}"})],
    "circ-api-desk-checkin": [post(DESK, args=BETA, data={"barcode": "{desk_lent_barcode}"})],
    "circ-api-desk-renew": [post(DESK, args=BETA, data={"barcode": "{desk_lent_barcode}"})],
    "circ-api-desk-reader": [get(DESK, args={**BETA, "card": "desk_card"})],
    "circ-api-desk-events": [get(OWN_STAFF, args=BETA)],
    "circ-api-desk-loans": [get(OWN_STAFF, args=BETA)],
    "circ-desk-loans": [get(OWN_STAFF, args=BETA, query="overdue=false")],
    "circ-desk-log": [get(OWN_STAFF, args=BETA)],
    "circ-desk": [get(DESK, args=BETA), post(DESK, args=BETA, data={"mode": "checkin", "scan": "{desk_lent_barcode}"})],
}


def objects(library, users) -> dict:
    """A reader of beta's and two copies: one on the shelf, one lent to the reader at the desk."""
    from django_tenants.utils import tenant_context

    from circulation.models import Reader
    from circulation.services import desk
    from tenants.catalogue.models import Item
    from tests.builders import add_items, create_instance

    instance = create_instance(library, title="草房子", authors=["曹文轩"], year=1997)
    items = add_items(library, instance, 2, call_number="I287.45/C3")
    with tenant_context(library):
        for item, barcode in zip(items, ("DESK-SHELF", "DESK-LENT"), strict=True):
            Item.objects.filter(pk=item.pk).update(barcode=barcode)
        Reader.objects.create(card_number="DESK-CARD", name="钱小满")
        desk.check_out("DESK-CARD", "DESK-LENT", actor=users["beta's administrator"])
    return {"desk_card": "DESK-CARD", "desk_shelf_barcode": "DESK-SHELF", "desk_lent_barcode": "DESK-LENT"}
