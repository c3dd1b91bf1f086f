"""Access rules of the circulation area "readers" (merged into tests/access_matrix.py).

``RULES`` maps route names to calls as in tests/access_matrix.py; ``objects(library, users)``
makes the objects those calls name, in the library "beta" of the access-matrix catalogue, and
returns {name: value}.

The card file is the library's own circulation staff's (OWN_STAFF); a reader reaches only their
own loans (READER_SELF); the reader sign-in page is open to everyone and shows nothing of the card file.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_matrix import OWN_STAFF, PUBLIC, READER_SELF, Call, get, post

BETA = {"code": "beta"}
CARD = {**BETA, "pk": "card_reader"}
ERASABLE = {**BETA, "pk": "erasable_reader"}
CLASS = {**BETA, "pk": "school_class"}
NEW_READER = {"name": "新同学", "student_number": "N0001", "kind": "student"}


def patch(rule, ok=200, **kw):
    return Call("patch", rule, ok, **kw)


RULES: dict = {
    # --- API: the card file ---------------------------------------------------------------
    "circ-api-readers-list": [get(OWN_STAFF, args=BETA), post(OWN_STAFF, 201, args=BETA, data=NEW_READER)],
    "circ-api-readers-import": [post(OWN_STAFF, args=BETA, data={"file": "{reader_csv}", "dry_run": "true"},
                                     multipart=True)],
    "circ-api-readers-cards": [get(OWN_STAFF, args=BETA)],
    "circ-api-readers-detail": [get(OWN_STAFF, args=CARD), patch(OWN_STAFF, args=CARD, data={"email": "b@example.org"})],
    "circ-api-readers-status": [post(OWN_STAFF, args=CARD, data={"status": "suspended", "reason": "丢书未还"})],
    "circ-api-readers-pin": [post(OWN_STAFF, args=CARD, data={"pin": "2468"})],
    "circ-api-readers-export": [get(OWN_STAFF, args=CARD, query="as=csv")],
    "circ-api-readers-erase": [post(OWN_STAFF, args=ERASABLE)],
    "circ-api-readers-classes": [get(OWN_STAFF, args=BETA),
                                 post(OWN_STAFF, 201, args=BETA, data={"grade": 2, "number": "9"})],
    "circ-api-readers-promotion": [get(OWN_STAFF, args=BETA), post(OWN_STAFF, args=BETA, data={})],
    "circ-api-readers-class": [get(OWN_STAFF, args=CLASS), patch(OWN_STAFF, args=CLASS, data={"entry_year": 2024})],
    "circ-api-readers-class-sheet": [get(OWN_STAFF, args=CLASS)],
    # --- API: the signed-in reader ----------------------------------------------------------
    "circ-api-readers-my-loans": [get(READER_SELF, args=BETA)],
    "circ-api-readers-my-renew": [post(READER_SELF, args=BETA, data={"barcode": "{loan_barcode}"})],
    # --- Pages: the card file ---------------------------------------------------------------
    "circ-readers-list": [get(OWN_STAFF, args=BETA)],
    "circ-readers-create": [get(OWN_STAFF, args=BETA), post(OWN_STAFF, 302, args=BETA, data=NEW_READER)],
    "circ-readers-import": [get(OWN_STAFF, args=BETA),
                            post(OWN_STAFF, args=BETA, data={"file": "{reader_csv_page}", "dry_run": "1"})],
    "circ-readers-cards": [get(OWN_STAFF, args=BETA)],
    "circ-readers-detail": [get(OWN_STAFF, args=CARD),
                            post(OWN_STAFF, 302, args=CARD, data={"card_number": "RB0001", "name": "乙读者",
                                                                  "kind": "student"})],
    "circ-readers-status": [post(OWN_STAFF, 302, args=CARD, data={"status": "suspended", "reason": "丢书未还"})],
    "circ-readers-pin": [post(OWN_STAFF, 302, args=CARD, data={"pin": "2468"})],
    "circ-readers-export": [get(OWN_STAFF, args=CARD, query="as=json")],
    "circ-readers-erase": [get(OWN_STAFF, args=ERASABLE), post(OWN_STAFF, 302, args=ERASABLE)],
    "circ-readers-classes": [get(OWN_STAFF, args=BETA),
                             post(OWN_STAFF, 302, args=BETA, data={"grade": 2, "number": "8", "active": "on"})],
    "circ-readers-promotion": [get(OWN_STAFF, args=BETA), post(OWN_STAFF, args=BETA, data={"confirm": "1"})],
    "circ-readers-class": [get(OWN_STAFF, args=CLASS),
                           post(OWN_STAFF, 302, args=CLASS, data={"grade": 3, "number": "2", "active": "on"})],
    "circ-readers-class-sheet": [get(OWN_STAFF, args=CLASS)],
    # --- Pages: readers themselves ------------------------------------------------------------
    "circ-readers-login": [get(PUBLIC, args=BETA, why="the reader sign-in form"),
                           post(PUBLIC, args=BETA, data={"card_number": "RB0001", "pin": "wrong"},
                                why="a wrong PIN shows the form again")],
    "circ-readers-my-loans": [get(READER_SELF, args=BETA)],
    "circ-readers-my-renew": [post(READER_SELF, 302, args=BETA, data={"barcode": "{loan_barcode}"})],
}


def objects(library, users) -> dict:
    from circulation.models import Reader, SchoolClass
    from circulation.services import desk
    from circulation.services.rules import install_default_rules
    from tenants.catalogue.models import Item
    from tests.builders import create_instance

    install_default_rules()
    school_class = SchoolClass.objects.create(grade=3, number="2")
    reader = Reader.objects.create(card_number="RB0001", name="乙读者", school_class=school_class,
                                   student_number="RB0001", user_id=users["reader"].pk)
    erasable = Reader.objects.create(card_number="RB0002", name="将被删除", school_class=school_class)
    instance = create_instance(library, title="读者借的书", items=1)
    item = Item.objects.get(holdings__instance_id=instance.pk)
    Item.objects.filter(pk=item.pk).update(barcode="RBB0001")
    loan = desk.check_out("RB0001", "RBB0001").loan
    csv = "姓名,学号,年级,班级\n新生,N1001,1,1\n".encode()
    return {
        "card_reader": reader.pk, "erasable_reader": erasable.pk, "school_class": school_class.pk,
        "loan_barcode": loan.item.barcode,
        "reader_csv": SimpleUploadedFile("readers.csv", csv, content_type="text/csv"),
        "reader_csv_page": SimpleUploadedFile("readers.csv", csv, content_type="text/csv"),
    }
