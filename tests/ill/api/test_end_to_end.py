"""A loan from a reader's request to the lender's shelf and back, every step over the API."""

from __future__ import annotations

import pytest

from tenants.models import Role

pytestmark = pytest.mark.django_db


def _ok(answer, status=200):
    assert answer.status_code == status, answer.content
    return answer.json()


def test_a_loan_goes_round_over_the_api(api, ill_world, shared_book, reader_user, ill_staff, make_user):
    urid = shared_book["record"].urid
    # The reader asks; the library approves readers' requests by default.
    api.force_authenticate(reader_user)
    mine = _ok(api.post("/api/v1/ill/my/requests/", {"urid": urid, "note": "读书报告用"}, format="json"), 201)
    number = mine["number"]
    assert mine["status"] == "awaiting_approval" and mine["may_cancel"]

    api.force_authenticate(ill_staff["alpha"])
    borrower = f"/api/v1/ill/libraries/alpha/requests/{number}/"
    request = _ok(api.post(borrower + "approve/", {}, format="json"))
    assert request["status"] == "requested" and request["reader"]["card_number"] == "A0001"
    lender = request["lender"]
    assert lender in ("beta", "gamma") and request["rota"][0]["why"]

    api.force_authenticate(ill_staff[lender])
    queue = _ok(api.get(f"/api/v1/ill/libraries/{lender}/supplies/"))
    (supply,) = queue["results"]
    assert supply["borrower"] == "alpha" and supply["borrower_request"] == number
    supplies = f"/api/v1/ill/libraries/{lender}/supplies/{supply['number']}/"
    answered = _ok(api.post(supplies + "answer/", {"decision": "will_supply"}, format="json"))
    assert answered["status"] == "will_supply" and "pick" in answered["actions"]
    barcode = answered["item_barcode"]
    assert barcode == shared_book[lender][0].barcode

    slips = api.get(f"/api/v1/ill/libraries/{lender}/supplies/pull-slips/")
    assert slips.status_code == 200 and slips["Content-Type"] == "application/pdf"
    assert slips.content.startswith(b"%PDF")
    assert _ok(api.get(supplies))["status"] == "pull_slip_printed"
    refused = api.post(supplies + "pick/", {"barcode": "NOT-THIS-ONE"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"]
    assert _ok(api.post(supplies + "pick/", {"barcode": barcode}, format="json"))["status"] == "awaiting_shipping"
    shipped = _ok(api.post(supplies + "ship/", {"barcode": barcode}, format="json"))
    assert shipped["status"] == "loaned" and shipped["due_on"]

    api.force_authenticate(ill_staff["alpha"])
    assert _ok(api.get(borrower))["status"] == "shipped"
    received = _ok(api.post(borrower + "receive/", {}, format="json"))
    assert received["status"] == "received" and received["temp_barcode"]
    assert _ok(api.post(borrower + "lend/", {}, format="json"))["status"] == "with_reader"
    assert _ok(api.post(borrower + "returned/", {}, format="json"))["status"] == "returned_by_reader"
    assert _ok(api.post(borrower + "ship-return/", {}, format="json"))["status"] == "return_shipped"

    api.force_authenticate(ill_staff[lender])
    assert _ok(api.get(supplies))["status"] == "return_shipped"
    assert _ok(api.post(supplies + "check-in/", {"barcode": barcode}, format="json"))["status"] == "loan_completed"

    api.force_authenticate(ill_staff["alpha"])
    done = _ok(api.get(borrower))
    assert done["status"] == "completed" and done["actions"] == []
    steps = [row["to_state"] for row in done["history"] if row["from_state"] != row["to_state"]]
    assert steps[-1] == "completed" and "with_reader" in steps and "received" in steps
    api.force_authenticate(reader_user)
    assert _ok(api.get("/api/v1/ill/my/requests/"))["results"][0]["status"] == "completed"
    kinds = {n["kind"] for n in _ok(api.get("/api/v1/ill/notifications/"))["results"]}
    assert {"approved", "ready_for_pickup"} <= kinds


def test_staff_place_a_request_for_a_reader(api_as, ill_world, shared_book, reader_a, ill_staff):
    client = api_as(ill_staff["alpha"])
    urid = shared_book["record"].urid
    placed = _ok(client.post("/api/v1/ill/libraries/alpha/requests/",
                             {"urid": urid, "card_number": "A0001", "service_type": "Loan",
                              "needed_by": "2026-12-20", "max_cost": "10.00"}, format="json"), 201)
    assert placed["placed_by_staff"] and placed["status"] == "requested"
    assert placed["reader"]["id"] == reader_a.pk
    again = client.post("/api/v1/ill/libraries/alpha/requests/", {"urid": urid, "card_number": "A0001"},
                        format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    unknown = client.post("/api/v1/ill/libraries/alpha/requests/", {"urid": urid, "card_number": "Z9"},
                          format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "reader_unknown"
    assert client.post("/api/v1/ill/libraries/alpha/requests/", {"card_number": "A0001"},
                       format="json").status_code == 400
    # Cancelling goes to the lender, who has not shipped: both sides end cancelled.
    cancelled = _ok(client.post(f"/api/v1/ill/libraries/alpha/requests/{placed['number']}/cancel/",
                                {"note": "reader left"}, format="json"))
    assert cancelled["status"] == "cancelled"
    again = client.post(f"/api/v1/ill/libraries/alpha/requests/{placed['number']}/cancel/", {}, format="json")
    assert again.status_code == 409


def test_the_library_admin_keeps_the_ill_settings(api_as, ill_world, ill_staff, make_user):
    admin = make_user("admin_alpha", Role.LIBRARY_ADMIN, library=ill_world["alpha"])
    settings = _ok(api_as(ill_staff["alpha"]).get("/api/v1/ill/libraries/alpha/ill-settings/"))
    assert settings["needs_approval"] is True and settings["pickup_points"] == []
    refused = api_as(ill_staff["alpha"]).put("/api/v1/ill/libraries/alpha/ill-settings/", {"auto_respond": True},
                                             format="json")
    assert refused.status_code == 403
    changed = _ok(api_as(admin).put("/api/v1/ill/libraries/alpha/ill-settings/",
                                    {"approval_required": False, "auto_respond": True,
                                     "pickup_points": ["图书馆前台", "初二(3)班"], "courier_days": 1},
                                    format="json"))
    assert changed["needs_approval"] is False and changed["pickup_points"] == ["图书馆前台", "初二(3)班"]


def test_a_reader_request_is_refused_with_a_code(api, ill_world, shared_book, reader_user, make_user):
    api.force_authenticate(reader_user)
    urid = shared_book["record"].urid
    assert _ok(api.post("/api/v1/ill/my/requests/", {"urid": urid}, format="json"), 201)
    again = api.post("/api/v1/ill/my/requests/", {"urid": urid}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert api.post("/api/v1/ill/my/requests/", {"urid": "nope"}, format="json").json()["code"] == "no_record"
    no_card = make_user("reader_without_card", Role.STUDENT, library=ill_world["alpha"])
    api.force_authenticate(no_card)
    answer = api.post("/api/v1/ill/my/requests/", {"urid": urid}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "no_reader_card"
    staff = make_user("not_a_reader", Role.ILL_STAFF, library=ill_world["alpha"])
    api.force_authenticate(staff)
    assert api.get("/api/v1/ill/my/requests/").status_code == 403
