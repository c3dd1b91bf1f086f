"""Access rules of the circulation area "corners" (merged into tests/access_matrix.py).

``RULES`` maps route names to calls as in tests/access_matrix.py; ``objects(library, users)``
makes the objects those calls name, in the library "beta" of the access-matrix catalogue, and
returns {name: value}.

Class corners, overdue lists (names of students) and the charges ledger (money owed by readers)
are the library's own circulation staff's and administrator's: coordinators and student helpers
never reach them.
"""

from tests.access_matrix import BETA, OWN_STAFF, get, post

BATCH = {**BETA, "pk": "corner_batch"}
CHARGE = {**BETA, "pk": "corner_charge"}

RULES: dict = {
    "circ-api-corners-batches": [
        get(OWN_STAFF, args=BETA),
        post(OWN_STAFF, 201, args=BETA, data={"school_class": "{corner_class}", "barcodes": ["{corner_shelf}"]}),
    ],
    "circ-api-corners-batch": [get(OWN_STAFF, args=BATCH)],
    "circ-api-corners-return": [post(OWN_STAFF, args=BATCH, data={})],
    "circ-api-corners-exchange": [post(OWN_STAFF, args=BATCH, data={"added": ["{corner_shelf}"]})],
    "circ-api-corners-rotate": [post(OWN_STAFF, 201, args=BATCH, data={"school_class": "{corner_other_class}"})],
    "circ-api-corners-overdues": [get(OWN_STAFF, args=BETA, query="on=2030-01-07")],
    "circ-api-corners-remind": [post(OWN_STAFF, args=BETA)],
    "circ-api-corners-charges": [
        get(OWN_STAFF, args=BETA),
        post(OWN_STAFF, 201, args=BETA, data={"barcode": "{corner_reader_loan}", "kind": "lost"}),
    ],
    "circ-api-corners-charge-totals": [get(OWN_STAFF, args=BETA)],
    "circ-api-corners-charge-export": [get(OWN_STAFF, args=BETA)],
    "circ-api-corners-charge-pay": [post(OWN_STAFF, args=CHARGE, data={})],
    "circ-api-corners-charge-waive": [post(OWN_STAFF, args=CHARGE, data={"note": "家庭困难"})],
    "circ-api-corners-charge-replace": [post(OWN_STAFF, args=CHARGE, data={})],
    # The pages: forms post and redirect.
    "circ-corners-list": [get(OWN_STAFF, args=BETA),
                          post(OWN_STAFF, 302, args=BETA, data={"school_class": "{corner_class}",
                                                                "barcodes": "{corner_shelf}"})],
    "circ-corners-batch": [get(OWN_STAFF, args=BATCH), post(OWN_STAFF, 302, args=BATCH, data={"action": "return"})],
    "circ-corners-class": [get(OWN_STAFF, args={**BETA, "pk": "corner_class"})],
    "circ-corners-overdues": [get(OWN_STAFF, args=BETA, query="on=2030-01-07")],
    "circ-corners-remind": [post(OWN_STAFF, 302, args=BETA)],
    "circ-corners-charges": [get(OWN_STAFF, args=BETA),
                             post(OWN_STAFF, 302, args=BETA, data={"barcode": "{corner_reader_loan}", "kind": "lost"})],
    "circ-corners-charge-export": [get(OWN_STAFF, args=BETA)],
    "circ-corners-charge": [post(OWN_STAFF, 302, args=CHARGE, data={"action": "pay"})],
}


def objects(library, users) -> dict:
    """Two classes (one with a corner batch of a book), a copy on the shelf, a reader's loan and an open charge."""
    from django_tenants.utils import tenant_context

    from circulation.models import Reader, SchoolClass
    from circulation.services import charges, corners, desk
    from tenants.catalogue.models import Item
    from tests.builders import add_items, create_instance

    instance = create_instance(library, title="城南旧事", authors=["林海音"], year=2000)
    items = add_items(library, instance, 4, call_number="I246.57/L5", price="20.00")
    barcodes = ("CRN-SHELF", "CRN-CORNER", "CRN-LOAN", "CRN-LOST")
    admin = users["beta's administrator"]
    with tenant_context(library):
        for item, barcode in zip(items, barcodes, strict=True):
            Item.objects.filter(pk=item.pk).update(barcode=barcode)
        teacher = Reader.objects.create(card_number="CRN-T", name="周老师", kind="teacher", email="zhou@school.example")
        school_class = SchoolClass.objects.create(grade=9, number="角1", teacher=teacher)
        other = SchoolClass.objects.create(grade=9, number="角2", teacher=teacher)
        Reader.objects.create(card_number="CRN-S", name="吴小雨", kind="teacher", school_class=school_class)
        batch = corners.lend_batch(school_class, ["CRN-CORNER"], actor=admin).batch
        desk.check_out("CRN-S", "CRN-LOAN", actor=admin)
        desk.check_out("CRN-S", "CRN-LOST", actor=admin)
        charge = charges.charge_item("CRN-LOST", "lost", actor=admin)
    return {"corner_class": school_class.pk, "corner_other_class": other.pk, "corner_batch": batch.pk,
            "corner_shelf": "CRN-SHELF", "corner_reader_loan": "CRN-LOAN", "corner_charge": charge.pk}
