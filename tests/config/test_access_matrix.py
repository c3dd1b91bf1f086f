"""The access matrix: every route, called by every kind of user, answers exactly as its rule says.

The rules are one table (tests/access_matrix.py). One small real catalogue (alpha in the east;
beta and gamma in the west, a record they share, a proposal, a review, an import job with a
quarantined record) gives every URL a real object. Each call runs in a savepoint that is rolled
back, so every call sees the same catalogue. A refused user gets 401 (API) or the login page
(web) when anonymous, else 403; an allowed user gets the status the table names.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from tenants.models import Membership, Role
from tests import access_matrix as m
from tests.builders import create_instance, marc_for, sync, union_record_of, update_instance
from tests.routes import all_routes, is_login_redirect
from union.models import MatchReview
from union.services import cataloguing

ROUTES = all_routes()

# Who, besides the allowed user, each rule lets in.
OPEN_TO = {
    m.PUBLIC: {"anonymous", "reader", "other library's staff", "other region's coordinator"},
    m.SIGNED_IN: {"reader", "other library's staff", "other region's coordinator"},
    m.UNION_READER: {"reader", "other library's staff", "other region's coordinator"},
    m.MEMBER: {"reader"},
    m.QUALITY: {"other library's staff", "other region's coordinator"},
    m.ANY_CATALOGUER: {"other library's staff", "other region's coordinator"},
    m.ANY_COORDINATOR: {"other region's coordinator"},
    m.READER_SELF: {"reader"},
}
ALLOWED_USER = {m.PUBLIC: "reader", m.SIGNED_IN: "reader", m.UNION_READER: "reader", m.MEMBER: "reader",
                m.STAFF: "beta's administrator", m.CATALOGUER: "beta's administrator",
                m.ADMIN: "beta's administrator", m.QUALITY: "beta's administrator",
                m.ANY_CATALOGUER: "beta's administrator", m.ANY_COORDINATOR: "west's coordinator",
                m.REGION_COORDINATOR: "west's coordinator", m.CONSORTIUM: "the province's coordinator",
                m.OWN_STAFF: "beta's administrator", m.OWN_ADMIN: "beta's administrator",
                m.DESK: "beta's administrator", m.READER_SELF: "reader"}
PERSONAS = ["anonymous", "reader", "other library's staff", "other region's coordinator", "allowed"]


def test_every_route_has_a_rule_and_every_rule_a_route():
    missing = [f"{r.name or '-'} /{r.pattern}" for r in ROUTES if m.calls_for(r) is None]
    assert not missing, f"routes without an access rule in tests/access_matrix.py: {missing}"
    names = {r.name for r in ROUTES} | {r.pattern for r in ROUTES}
    assert set(m.RULES) <= names


def test_the_public_routes_are_those_whose_every_rule_is_public():
    public = {r.pattern for r in ROUTES if all(call.rule == m.PUBLIC for call in m.calls_for(r) or [m.get("")])}
    assert public == set(m.PUBLIC_ROUTES)


def test_the_rules_cover_every_method_a_view_accepts():
    """An API view's methods are all in the table; a web page's table methods are ones it accepts."""
    wrong = []
    for route in ROUTES:
        declared = {call.method for call in m.calls_for(route) or ()}
        accepted = route.allowed_methods()
        strict = route.is_api and getattr(route.view, "cls", None) is not None
        if not declared <= accepted or (strict and declared != accepted):
            wrong.append(f"/{route.pattern}: declares {sorted(declared)}, the view accepts {sorted(accepted)}")
    assert not wrong, wrong


@pytest.fixture
def catalogue(library_b, make_library, district_b, library_a, district_a, province, make_user):
    gamma = make_library("gamma", region=district_b, kind="high")
    users = {
        "reader": make_user("reader_b", Role.STUDENT, library=library_b),
        "other library's staff": make_user("admin_a", Role.LIBRARY_ADMIN, library=library_a),
        "other region's coordinator": make_user("coord_east", Role.COORDINATOR, region=district_a),
        "beta's administrator": make_user("admin_b", Role.LIBRARY_ADMIN, library=library_b),
        "west's coordinator": make_user("coord_west", Role.COORDINATOR, region=district_b),
        "the province's coordinator": make_user("coord_prov", Role.COORDINATOR, region=province),
    }
    make_user("newcomer")
    shared = [create_instance(lib, title="红楼梦", authors=["曹雪芹"], publisher="人民文学出版社", year=1990,
                              isbns=["9787020002207"], items=1) for lib in (library_b, gamma)]
    solo = create_instance(library_b, title="儒林外史", authors=["吴敬梓"], year=1995, isbns=["9787020016563"])
    gamma_only = create_instance(gamma, title="高等数学", authors=["同济大学"], year=2014, isbns=["9787040396638"])
    sync()
    record = union_record_of(library_b, shared[0])
    assert union_record_of(gamma, shared[1]) == record and record.master_library == library_b
    update_instance(library_b, shared[0], title="红楼梦（校注本）")
    sync()
    versions = sorted(record.versions.values_list("version", flat=True))
    assert len(versions) >= 2
    proposal = cataloguing.propose(record, users["beta's administrator"], library_b, {"place": "北京"})
    review = MatchReview.objects.create(
        library=library_b, instance_id=solo.pk, union_record=union_record_of(library_b, solo),
        candidate=union_record_of(gamma, gamma_only), candidate_library=gamma, candidate_instance_id=gamma_only.pk,
        score=0.7)
    from marc_import.models import ImportJob, QuarantinedRecord

    with tenant_context(library_b):
        job = ImportJob.objects.create(status="done", source_name="beta.mrc")
        quarantined = QuarantinedRecord.objects.create(
            job=job, position=1, raw=marc_for({"title": "隔离的书", "isbns": []}), reason="a test")
    connection.set_schema_to_public()
    objects = {
        "record": record.urid, "solo": union_record_of(library_b, solo).urid,
        "gamma_record": union_record_of(gamma, gamma_only).urid, "instance": shared[0].pk,
        "gamma_copy": shared[1].pk, "beta_member": f"{library_b.pk}:{shared[0].pk}", "proposal": proposal.pk,
        "review": review.pk, "job": job.pk, "quarantined": quarantined.pk,
        "first_version": versions[0], "last_version": versions[-1],
        "membership": Membership.objects.get(user=users["reader"]).pk,
    }
    from tests.circulation.access import AREAS

    with tenant_context(library_b):
        for area in AREAS:
            objects.update(area.objects(library_b, users))
    connection.set_schema_to_public()
    from tests.ill.access import AREAS as ILL_AREAS

    for area in ILL_AREAS:  # ILL lives in the public schema
        objects.update(area.objects(library_b, users))
        connection.set_schema_to_public()
    return users, objects


def _url(route, call, objects) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        given = call.args.get(name, "x")
        return str(objects.get(given, given))

    url = "/" + re.sub(r"<([^>]+)>", value, route.pattern)
    return f"{url}?{call.query.format(**objects)}" if call.query else url


def _data(call, objects):
    if call.data is None:
        return {}

    def fill(value):
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            key = value[1:-1]
            if key == "marc":
                return SimpleUploadedFile("beta.mrc", marc_for({"title": "新书", "isbns": []}))
            return objects[key]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(call.data)


def _call(route, call, user, objects):
    client = APIClient()
    if user is not None:
        if route.is_api:
            client.force_authenticate(user=user)
        else:
            client.force_login(user)
    url, data = _url(route, call, objects), _data(call, objects)
    multipart = call.multipart or any(isinstance(v, SimpleUploadedFile) for v in data.values())
    with transaction.atomic():
        if call.method == "get":
            response = client.get(url)
        elif route.is_api and not multipart:
            response = getattr(client, call.method)(url, data, format="json")
        else:
            response = getattr(client, call.method)(url, data, **({"format": "multipart"} if route.is_api else {}))
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return response


def _verdict(route, call, persona, response) -> str | None:
    allowed = persona == "allowed" or persona in OPEN_TO.get(call.rule, set())
    got = response.status_code
    if allowed:
        return None if got == call.ok else f"{got}, expected {call.ok}"
    if persona == "anonymous" and not route.is_api:
        return None if is_login_redirect(response) else f"{got} {response.get('Location')}, expected the login page"
    expected = 401 if persona == "anonymous" else 403
    return None if got == expected else f"{got}, expected {expected}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_kind_of_user_as_its_rule_says(persona, catalogue):
    users, objects = catalogue
    wrong = []
    for route in ROUTES:
        for call in m.calls_for(route) or ():
            user = None if persona == "anonymous" else users.get(persona) or users[ALLOWED_USER[call.rule]]
            response = _call(route, call, user, objects)
            problem = _verdict(route, call, persona, response)
            if problem:
                wrong.append(f"{call.method.upper()} /{route.pattern} ({call.rule}): {problem}")
    assert not wrong, "\n".join(wrong)
