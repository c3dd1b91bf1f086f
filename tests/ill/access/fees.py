"""Access rules of the ILL area "fees" (merged into tests/access_matrix.py).

Statements: a library's administrator or ILL staff (their own library's pairs) and coordinators
(the libraries of their regions), so any library's staff and any coordinator get an answer,
readers none. The fee schedule and subsidy rules are read by staff and coordinators and changed
only by a coordinator of the whole consortium.
"""

from tests.access_matrix import CONSORTIUM, QUALITY, Call, get, post

RULE = {"pk": "subsidy_rule"}
A_RULE = {"name": "全省补贴", "region": "west", "library_kind": "", "percent": 50, "yearly_cap": "200.00",
          "year": 2026}

RULES: dict = {
    "ill-api-statements": [get(QUALITY, query="year=2026&month=11")],
    "ill-api-statements-csv": [get(QUALITY, query="year=2026")],
    "ill-api-statements-xlsx": [get(QUALITY, query="year=2026&month=11")],
    "ill-api-fee-schedule": [get(QUALITY),
                             post(CONSORTIUM, 201, data={"service_type": "Copy", "per_request": "1.00",
                                                         "per_page": "0.25", "valid_from": "2027-01-01"})],
    "ill-api-subsidy-rules": [get(QUALITY, query="year=2026"), post(CONSORTIUM, 201, data=A_RULE)],
    "ill-api-subsidy-rule": [get(QUALITY, args=RULE), Call("put", CONSORTIUM, args=RULE, data=A_RULE),
                             Call("delete", CONSORTIUM, 204, args=RULE)],
    "ill-statements": [get(QUALITY, query="year=2026&month=11")],
    "ill-statements-csv": [get(QUALITY, query="year=2026")],
    "ill-statements-xlsx": [get(QUALITY, query="year=2026")],
}


def objects(library, users) -> dict:
    from decimal import Decimal

    from ill.models import SubsidyRule

    rule = SubsidyRule.objects.create(name="西区补贴", region=library.region, percent=50,
                                      yearly_cap=Decimal("100.00"), year=2026)
    return {"subsidy_rule": rule.pk}


def fuzz_known(library_a, library_b, users) -> dict:
    """For the API fuzzing: a subsidy rule to read, change and delete."""
    from decimal import Decimal

    from ill.models import SubsidyRule

    rule = SubsidyRule.objects.create(name="东区补贴", region=library_a.region, percent=50,
                                      yearly_cap=Decimal("100.00"), year=2026)
    return {"path": {"fees/subsidies/{id}": [rule.pk]}}
