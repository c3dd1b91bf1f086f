"""Access rules of the circulation area "stock" (merged into tests/access_matrix.py).

``RULES`` maps route names to calls as in tests/access_matrix.py; ``objects(library, users)``
makes the objects those calls name, in the library "beta" of the access-matrix catalogue, and
returns {name: value}.

Stocktakes, weeding and the ledgers are the library's own staff's; scanning also its student
helpers' (DESK). The loan matrix, the calendar and the policy are read by its staff and changed
by its administrator. Coordinators reach none of it.
"""

from tests.access_matrix import DESK, OWN_ADMIN, OWN_STAFF, Call, get, post

BETA = {"code": "beta"}
STOCKTAKE = {**BETA, "pk": "stock_stocktake"}
RULE = {**BETA, "pk": "stock_rule"}
PERIOD = {**BETA, "pk": "stock_period"}


def patch(rule, ok=200, **kw):
    return Call("patch", rule, ok, **kw)


def delete(rule, ok=204, **kw):
    return Call("delete", rule, ok, **kw)


PERIOD_DATA = {"kind": "vacation", "name": "寒假", "starts_on": "2027-01-18", "ends_on": "2027-02-20",
               "library_open": False}

RULES: dict = {
    # --- API ---
    "circ-api-stock-stocktakes": [get(OWN_STAFF, args=BETA),
                                  post(OWN_STAFF, 201, args=BETA, data={"name": "期末盘点", "location": "main"})],
    "circ-api-stock-stocktake": [get(OWN_STAFF, args=STOCKTAKE)],
    "circ-api-stock-scan": [post(DESK, 201, args=STOCKTAKE, data={"barcode": "STOCK-SHELF", "shelf": "I-1"},
                                 why="student helpers scan the shelves")],
    "circ-api-stock-report": [get(OWN_STAFF, args=STOCKTAKE)],
    "circ-api-stock-report-export": [get(OWN_STAFF, args=STOCKTAKE, query="as=csv")],
    "circ-api-stock-mark-missing": [post(OWN_STAFF, args=STOCKTAKE)],
    "circ-api-stock-close": [post(OWN_STAFF, args=STOCKTAKE)],
    "circ-api-stock-withdrawals": [get(OWN_STAFF, args=BETA),
                                   post(OWN_STAFF, 201, args=BETA, data={"barcodes": ["STOCK-WEED"],
                                                                         "reason": "worn"})],
    "circ-api-stock-withdrawals-export": [get(OWN_STAFF, args=BETA, query="as=xlsx")],
    "circ-api-stock-ledger-summary": [get(OWN_STAFF, args=BETA)],
    "circ-api-stock-ledger-summary-export": [get(OWN_STAFF, args=BETA, query="as=csv")],
    "circ-api-stock-ledger-classes": [get(OWN_STAFF, args=BETA)],
    "circ-api-stock-ledger-classes-export": [get(OWN_STAFF, args=BETA, query="as=xlsx")],
    "circ-api-stock-rules": [get(OWN_STAFF, args=BETA),
                             post(OWN_ADMIN, 201, args=BETA, data={"reader_kind": "staff", "material_type": "map",
                                                                   "loan_days": 7})],
    "circ-api-stock-rules-defaults": [post(OWN_ADMIN, args=BETA)],
    "circ-api-stock-rules-explain": [get(OWN_STAFF, args=BETA, query="reader_kind=student&material_type=book")],
    "circ-api-stock-rule": [get(OWN_STAFF, args=RULE), patch(OWN_ADMIN, args=RULE, data={"max_items": 3}),
                            delete(OWN_ADMIN, args=RULE)],
    "circ-api-stock-periods": [get(OWN_STAFF, args=BETA), post(OWN_ADMIN, 201, args=BETA, data=PERIOD_DATA)],
    "circ-api-stock-period": [get(OWN_STAFF, args=PERIOD), patch(OWN_ADMIN, args=PERIOD, data={"name": "寒假二"}),
                              delete(OWN_ADMIN, args=PERIOD)],
    "circ-api-stock-calendar-days": [get(OWN_STAFF, args=BETA)],
    "circ-api-stock-policy": [get(OWN_STAFF, args=BETA), patch(OWN_ADMIN, args=BETA, data={"loss_policy": "factor"})],
    # --- Pages ---
    "circ-stock-stocktakes": [get(OWN_STAFF, args=BETA), post(OWN_STAFF, 302, args=BETA, data={"name": "期末盘点"})],
    "circ-stock-stocktake": [get(OWN_STAFF, args=STOCKTAKE)],
    "circ-stock-scan": [get(DESK, args=STOCKTAKE),
                        post(DESK, args=STOCKTAKE, data={"barcode": "STOCK-SHELF", "shelf": "I-1"},
                             why="the scanner page answers each scan in place")],
    "circ-stock-report-export": [get(OWN_STAFF, args=STOCKTAKE, query="as=xlsx")],
    "circ-stock-mark-missing": [post(OWN_STAFF, 302, args=STOCKTAKE)],
    "circ-stock-close": [post(OWN_STAFF, 302, args=STOCKTAKE)],
    "circ-stock-withdrawals": [get(OWN_STAFF, args=BETA),
                               post(OWN_STAFF, 302, args=BETA, data={"barcodes": "STOCK-WEED", "reason": "worn"})],
    "circ-stock-withdrawals-export": [get(OWN_STAFF, args=BETA, query="as=csv")],
    "circ-stock-ledgers": [get(OWN_STAFF, args=BETA)],
    "circ-stock-ledgers-export": [get(OWN_STAFF, args=BETA, query="ledger=classes&as=csv")],
    "circ-stock-rules": [get(OWN_STAFF, args=BETA, query="reader_kind=student&material_type=book"),
                         post(OWN_ADMIN, 302, args=BETA, data={"action": "defaults"})],
    "circ-stock-calendar": [get(OWN_STAFF, args=BETA), post(OWN_ADMIN, 302, args=BETA, data=PERIOD_DATA)],
    "circ-stock-policy": [get(OWN_STAFF, args=BETA),
                          post(OWN_ADMIN, 302, args=BETA, data={
                              "loss_policy": "factor", "loss_factor": "2.00", "damage_share": "0.50",
                              "default_price": "30.00", "block_when_overdue": "on", "remind_after_days": 1,
                              "remind_every_days": 7})],
}


def objects(library, users) -> dict:
    """Two copies in beta's main room (one to scan, one to weed), an open stocktake, a loan rule and
    a calendar period."""
    from django_tenants.utils import tenant_context

    from circulation.models import CalendarPeriod, LoanRule
    from circulation.services import stocktake
    from tenants.catalogue.models import Item
    from tests.builders import add_items, create_instance

    instance = create_instance(library, title="城南旧事", authors=["林海音"], year=1960, clc=["I246.5"])
    items = add_items(library, instance, 2, call_number="I246.5/L1", price="18.00")
    with tenant_context(library):
        for item, barcode in zip(items, ("STOCK-SHELF", "STOCK-WEED"), strict=True):
            Item.objects.filter(pk=item.pk).update(barcode=barcode)
        session = stocktake.start("访问测试盘点", location="main")
        rule = LoanRule.objects.create(reader_kind="teacher", material_type="serial", loan_days=14)
        period = CalendarPeriod.objects.create(kind="exams", name="期中考试", starts_on="2027-04-20",
                                               ends_on="2027-04-22", library_open=False)
    return {"stock_stocktake": session.pk, "stock_rule": rule.pk, "stock_period": period.pk}
