"""The REST API keeps its published promises under hostile input, for every kind of caller.

Schemathesis generates requests from our OpenAPI schema (valid and deliberately invalid ones)
and sends them in-process to the WSGI app: anonymously and with the API token of a reader, a
cataloguer, a library administrator, a district coordinator and a provincial coordinator. Every
answer must be below 500, carry a status code the schema documents for that operation, and have
a body that conforms to the schema of that status.

The catalogue behind it is real (two libraries in two districts, union records built by the
sync, an import job with a quarantined record, a proposal, a review), and path parameters are
often set to its codes, urids and ids so requests reach the views rather than stopping at 404.
Mutating operations run too, inside the test's transaction. Examples are derandomized and
bounded per operation, so the run is the same in CI every time.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.models import Role
from tests.builders import build_union_catalogue

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Generated requests per operation and mode (valid, invalid), each sent by two callers. Few, since
# a request here costs tens of milliseconds and the suite must stay fast.
EXAMPLES = 10
OUTSIDERS = ["anonymous", "reader"]
INSIDERS = ["cataloguer", "library_admin", "circulation", "district_coordinator", "province_coordinator"]


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, kept on the test's connection (and so inside its transaction).

    Django closes the connection at the start and end of each request, which inside a test
    transaction would mark it for rollback; the test client avoids that the same way.
    """
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


BOOKS = [
    ("u-xiyouji", {"title": "西游记", "authors": ["吴承恩"], "isbns": ["9787020008735"], "year": 1980,
                   "publisher": "人民文学出版社"}, {"a": (2, 1, 1, "I242.4/1"), "b": (1, 1, 0)}),
    ("u-hongloumeng", {"title": "红楼梦", "authors": ["曹雪芹"], "isbns": ["9787020002207"], "year": 1982},
     {"a": (1, 1, 1)}),
    ("u-sanguo", {"title": "三国演义", "authors": ["罗贯中"], "isbns": ["9787020008728"], "year": 1973},
     {"b": (3, 2, 2)}),
    ("u-gone", {"title": "Gone record", "isbns": ["9780306406157"], "deleted": True}, {"a": (1, 1, 1)}),
]


@pytest.fixture
def world(province, district_a, district_b, library_a, library_b, make_user):
    """A small real catalogue, a user of each role with a token, and the ids to aim requests at."""
    from marc_import.models import ImportJob, QuarantinedRecord
    from union.models import MatchReview, Proposal, UnionHolding

    records = build_union_catalogue(BOOKS, {"a": library_a, "b": library_b}, urids=True)
    users = {
        "reader": make_user("fz_reader", Role.STUDENT, library=library_a),
        "cataloguer": make_user("fz_cat", Role.CATALOGUER, library=library_a),
        "circulation": make_user("fz_circ", Role.CIRCULATION, library=library_a),
        "library_admin": make_user("fz_admin", Role.LIBRARY_ADMIN, library=library_a),
        "district_coordinator": make_user("fz_east", Role.COORDINATOR, region=district_a),
        "province_coordinator": make_user("fz_prov", Role.COORDINATOR, region=province),
    }
    tokens = {"anonymous": None, **{role: Token.objects.create(user=user).key for role, user in users.items()}}
    holdings = list(UnionHolding.objects.select_related("library").order_by("pk"))
    with tenant_context(library_a):
        job = ImportJob.objects.create(status="done", source_name="fuzz.mrc")
        quarantined = QuarantinedRecord.objects.create(job=job, position=1, raw=b"00024nam  2200025   4500\x1e\x1d",
                                                       reason="too short")
    xiyouji = records["u-xiyouji"]
    proposal = Proposal.objects.create(union_record=xiyouji, base_version=xiyouji.version, changes={"title": ["西游记", "西游"]},
                                       proposed_by=users["cataloguer"], library=library_a)
    hong = records["u-hongloumeng"]
    review = MatchReview.objects.create(
        library=library_b, instance_id=UnionHolding.objects.get(union_record=xiyouji, library=library_b).instance_id,
        union_record=xiyouji, candidate=hong, candidate_library=library_a,
        candidate_instance_id=UnionHolding.objects.get(union_record=hong).instance_id, score=0.7)
    instance_ids = sorted({h.instance_id for h in holdings})
    circulation = _circulation_world(library_a, users)
    ill = _ill_world(library_a, library_b, users)
    # Values that name real things, by path parameter (the id's meaning depends on the path) and
    # by body field. Enumerated values are left to the schema, which names the valid ones.
    known = {
        "path": {
            "code": ["alpha", "alpha", "beta"],  # alpha has the circulation world
            "regions/{code}": ["demo_prov", "east"],
            "urid": list(records),
            "instance_id": instance_ids,
            "version": [1, 2],
            "action": ["accept", "reject"],
            "imports/{id}": [job.pk],
            "quarantine/{id}": [quarantined.pk],
            "instances/{id}": instance_ids,
            "memberships/{id}": list(users["reader"].memberships.values_list("pk", flat=True)),
            "proposals/{id}": [proposal.pk],
            "reviews/{id}": [review.pk],
            **circulation["path"],
            **ill["path"],
        },
        "query": {"a": [1, 2], "b": [1, 2], "library": ["alpha", "beta"], "year": [1980], **circulation["query"],
                  **ill["query"]},
        "body": {
            "library": ["alpha", "beta"],
            "other": list(records),
            "instance_id": instance_ids,
            "members": [[{"library": "beta", "instance_id": instance_ids[0]}]],
            "key": ["isbn:9787020008735"],
            "username": ["fz_reader", "fz_cat"],
            "password": ["pw-12345678"],
            "region": ["east", "west"],
            **circulation["body"],
            **ill["body"],
        },
    }
    return {"tokens": tokens, "known": known}


def _circulation_world(library, users) -> dict:
    """Alpha's circulation: the fuzz reader's card, a class with its teacher, items with barcodes,
    a loan, a class corner, a charge, a stocktake, rules and a calendar period; the ids to aim at."""
    from circulation.models import CalendarPeriod, Charge, LoanRule, Reader, SchoolClass
    from circulation.services import corners, desk, stocktake
    from circulation.services.rules import install_default_rules
    from tests.builders import add_items, create_instance

    instance = create_instance(library, title="水浒传", authors=["施耐庵"], year=1975)
    items = add_items(library, instance, 5, call_number="I242.4/2")
    with tenant_context(library):
        from tenants.catalogue.models import Item

        barcodes = [f"FZB{n}" for n in range(1, 6)]
        for item, barcode in zip(items, barcodes, strict=True):
            Item.objects.filter(pk=item.pk).update(barcode=barcode)
        install_default_rules()
        teacher = Reader.objects.create(card_number="FZT01", name="班主任", kind="teacher", email="t@example.org")
        school_class = SchoolClass.objects.create(grade=3, number="1", teacher=teacher)
        reader = Reader.objects.create(card_number="FZ0001", name="读者甲", school_class=school_class,
                                       student_number="2024001", user_id=users["reader"].pk)
        other = Reader.objects.create(card_number="FZ0002", name="读者乙", school_class=school_class)
        desk.check_out("FZ0001", "FZB1")
        batch = corners.lend_batch(school_class, ["FZB2"]).batch
        charge = Charge.objects.create(reader=other, kind=Charge.Kind.OTHER, amount=5)
        session = stocktake.start("抽查")
        period = CalendarPeriod.objects.create(kind="term", name="秋季学期", starts_on="2026-09-01",
                                               ends_on="2027-01-22")
        rules = list(LoanRule.objects.values_list("pk", flat=True))
    return {
        "path": {"readers/{id}": [reader.pk, other.pk, teacher.pk], "classes/{id}": [school_class.pk],
                 "corners/{id}": [batch.pk], "charges/{id}": [charge.pk], "stocktakes/{id}": [session.pk],
                 "loan-rules/{id}": rules, "calendar-periods/{id}": [period.pk], "card": ["FZ0001", "FZ0002"]},
        "query": {"school_class": [school_class.pk], "class": [school_class.pk], "term": [period.pk],
                  "card": ["FZ0001"], "school_year": [2026], "from": ["2026-09-01"], "to": ["2026-12-31"],
                  "on": ["2026-11-27"], "start": ["2026-11-01"], "days": [30], "q": ["读者"]},
        "body": {"card": ["FZ0001", "FZ0002"], "barcode": barcodes, "barcodes": [["FZB3"], ["FZB4", "FZB5"]],
                 "returned": [["FZB2"]], "added": [["FZB3"]], "school_class": [school_class.pk],
                 "grade": [4], "number": ["2", "3"], "teacher": [teacher.pk], "card_number": ["FZ0100", "FZ0101"],
                 "name": ["读者丙"], "student_number": ["2024100"], "note": ["fuzz"], "pin": ["123456"],
                 "shelf": ["A-01"], "due_on": ["2026-12-30"], "starts_on": ["2027-02-24"],
                 "ends_on": ["2027-07-09"]},
    }


def _ill_world(library_a, library_b, users) -> dict:
    """Interlibrary loan between alpha and beta: each ILL area's ``fuzz_known(library_a, library_b,
    users)`` (tests/ill/access/<area>.py) makes its requests, supplies ... and names the values to aim at."""
    from django.db import connection

    from tests import access_matrix  # noqa: F401 - it loads the ILL access areas (they import it)
    from tests.ill.access import AREAS

    known = {"path": {}, "query": {}, "body": {}}
    for area in AREAS:
        if hasattr(area, "fuzz_known"):
            for part, values in area.fuzz_known(library_a, library_b, users).items():
                known[part].update(values)
        connection.set_schema_to_public()
    return known


def _first_lines(exc) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(lines[:4])


def _body(case) -> str:
    body = getattr(case, "body", None)
    return repr(body)[:200] if body is not None and type(body).__name__ != "NotSet" else ""


def _aim(case, known, data) -> None:
    """Most of the time, point path parameters and some body fields at real things."""
    if case.path_parameters and data.draw(st.integers(0, 3)):
        for name in case.path_parameters:
            values = next((v for k, v in known["path"].items()
                           if k.endswith(f"/{{{name}}}") and f"/{k}" in case.path), None)
            values = values or known["path"].get(name)
            if values:
                case.path_parameters[name] = data.draw(st.sampled_from(values))
    if isinstance(case.query, dict) and data.draw(st.booleans()):
        for name in case.query:
            if name in known["query"]:
                case.query[name] = data.draw(st.sampled_from(known["query"][name]))
    if isinstance(case.body, dict) and data.draw(st.booleans()):
        for name in case.body:
            if name in known["body"]:
                case.body[name] = data.draw(st.sampled_from(known["body"][name]))


def _can_be_made_invalid(operation) -> bool:
    """False when the only inputs are text in the path, which any value fits."""
    raw = operation.definition.raw
    return "requestBody" in raw or any(
        p.get("in") != "path" or p.get("schema", {}).get("type") != "string" for p in raw.get("parameters", [])
    )


def fuzz_operation(operation, headers_by_role, known, examples, succeeded):
    """Problems found for one operation, as readable lines (none when it kept its promises).

    Each generated request is sent twice: as an outsider (anonymous or a reader) and as one of the
    staff roles, taking turns, so every role meets every operation.
    """
    problems, seen = [], set()
    modes = [GenerationMode.POSITIVE]
    if _can_be_made_invalid(operation):
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:
        problems += _fuzz(operation, mode, headers_by_role, known, examples, seen, succeeded)
    return problems


def _fuzz(operation, mode, headers_by_role, known, examples, seen, succeeded):
    problems, turns = [], itertools.count()

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        _aim(case, known, data)
        turn = next(turns)
        for role in (OUTSIDERS[turn % len(OUTSIDERS)], INSIDERS[turn % len(INSIDERS)]):
            headers = headers_by_role[role]
            response = case.call(headers=headers)
            if response.status_code < 300:
                succeeded.add(operation.label)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as exc:
                message = f"{operation.label} [{mode}] -> {response.status_code}: {_first_lines(exc)}"
                if message not in seen:
                    seen.add(message)
                    problems.append(f"{message} (as {role})\n    {case.path_parameters} {case.query} {_body(case)}\n"
                                    f"    {response.text[:300]}")

    run()
    return problems


# Reads first and deletions last, so a deleted membership or merged record spoils few requests.
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}


def test_the_api_keeps_its_schema_for_every_role(world, wsgi_app):
    schema = from_wsgi("/api/schema/?format=json", wsgi_app)
    headers_by_role = {role: {"Authorization": f"Token {token}"} if token else {}
                       for role, token in world["tokens"].items()}
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: (METHOD_ORDER[op.method.upper()], op.path))
    assert len(operations) > 40
    problems, succeeded = [], set()
    for operation in operations:
        problems += fuzz_operation(operation, headers_by_role, world["known"], EXAMPLES, succeeded)
    # The requests reach the views: every read succeeded at least once, and most changes did (a
    # change often needs a precise state, such as a copy on the shelf and a card under its limit,
    # which random values rarely meet; each app's own API tests make every one of them succeed).
    unreached = sorted({op.label for op in operations} - succeeded)
    assert not [label for label in unreached if label.startswith("GET ")], unreached
    assert len(unreached) <= len(operations) // 5, "\n".join(unreached)
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)
