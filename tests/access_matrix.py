"""Who may use each route: the one table of access rules, checked against the URL map.

Every route (by name, or by pattern where one name serves several) maps to the calls the matrix
makes on it; each call names its method, the rule that decides who may make it, and how a
concrete URL and payload are made from the test catalogue (tests/config/test_access_matrix.py).
A route missing here fails the suite. Rules, by the scope a user must hold:

* ``PUBLIC`` anyone, signed in or not;
* ``SIGNED_IN`` any signed-in user;
* ``UNION_READER`` a reader, staff or coordinator of any member library;
* ``MEMBER`` any member of the library named (its readers too);
* ``STAFF`` / ``CATALOGUER`` / ``ADMIN`` that role in the library named (in the URL or the
  payload); coordinators hold the staff roles over their regions;
* ``QUALITY`` staff of some library, or a coordinator (their own libraries' reports);
* ``ANY_CATALOGUER`` a cataloguer of some library, or a coordinator;
* ``ANY_COORDINATOR`` a coordinator of any region (answers cover their regions only);
* ``REGION_COORDINATOR`` a coordinator of every region the object touches (or, for proposals
  and restores, the master record's library);
* ``CONSORTIUM`` a coordinator of a top region: the consortium's own settings.
* ``OWN_STAFF`` / ``OWN_ADMIN`` / ``DESK`` circulation staff / the administrator / a desk role
  held by a membership of the library itself: coordinators never see readers' data;
* ``READER_SELF`` the signed-in reader, for their own card and loans.

Circulation routes declare their rules in tests/circulation/access/<area>.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLIC, SIGNED_IN, UNION_READER, MEMBER = "public", "signed in", "union reader", "member"
# The library's own people only (never coordinators): readers' data, the desk, the library's figures.
OWN_STAFF, OWN_ADMIN, DESK, READER_SELF = "own staff", "own library admin", "desk", "the reader themself"
STAFF, CATALOGUER, ADMIN, QUALITY = "staff", "cataloguer", "library admin", "quality"
ANY_CATALOGUER, ANY_COORDINATOR = "any cataloguer", "any coordinator"
REGION_COORDINATOR, CONSORTIUM = "region coordinator", "consortium coordinator"


@dataclass(frozen=True)
class Call:
    method: str
    rule: str
    ok: int = 200  # the status of an allowed user
    args: dict = field(default_factory=dict)  # URL arguments: names of catalogue objects (see the test)
    data: dict | None = None  # payload (names of catalogue objects in "{...}" are filled in)
    query: str = ""
    why: str = ""
    multipart: bool = False


def get(rule, ok=200, **kw):
    return Call("get", rule, ok, **kw)


def post(rule, ok=200, **kw):
    return Call("post", rule, ok, **kw)


RECORD = {"urid": "record"}
BETA = {"code": "beta"}

RULES: dict[str, list[Call]] = {
    # --- The shell and the public catalogue ---------------------------------------------
    "home": [get(PUBLIC)],
    "healthz": [get(PUBLIC)],
    "oai": [get(PUBLIC, query="verb=Identify"), post(PUBLIC, data={"verb": "Identify"})],
    "sru": [get(PUBLIC), post(PUBLIC)],
    "search": [get(PUBLIC, query="q=红楼梦")],
    "record": [get(PUBLIC, args=RECORD, why="an OPAC record page")],
    "suggest": [get(PUBLIC, query="q=红")],
    "api-search": [get(PUBLIC, query="q=红楼梦")],
    "api-search-suggest": [get(PUBLIC, query="q=红")],
    "login": [get(PUBLIC)],
    "logout": [post(PUBLIC, 302)],
    "set_language": [post(PUBLIC, 302, data={"language": "en"})],
    "auth-token": [post(PUBLIC, 400, why="no password given: exchanging one for a token is open to all")],
    "api-schema": [get(PUBLIC)],
    "api-docs": [get(PUBLIC)],
    # --- Anyone signed in -------------------------------------------------------------
    "api-root": [get(SIGNED_IN)],
    "me": [get(SIGNED_IN)],
    "region-list": [get(SIGNED_IN)],
    "region-detail": [get(SIGNED_IN, args={"code": "west"})],
    # --- Libraries, their people and catalogues ------------------------------------------
    "library-list": [get(ANY_COORDINATOR),
                     post(REGION_COORDINATOR, 201, data={"code": "delta", "name": "D", "kind": "middle",
                                                         "region": "west"})],
    "library-detail": [get(STAFF, args=BETA), Call("patch", ADMIN, args=BETA, data={"name": "乙馆"})],
    "membership-list": [get(ADMIN, args=BETA), post(ADMIN, 201, args=BETA,
                                                    data={"username": "newcomer", "role": "student"})],
    "membership-detail": [Call("delete", ADMIN, 204, args={**BETA, "pk": "membership"})],
    "instance-list": [get(STAFF, args=BETA)],
    "instance-detail": [get(STAFF, args={**BETA, "pk": "instance"})],
    "library-home": [get(MEMBER, args=BETA)],
    # --- Imports --------------------------------------------------------------------------
    "marc-import-jobs": [get(CATALOGUER, args=BETA), post(CATALOGUER, 202, args=BETA, data={"file": "{marc}"})],
    "marc-import-job": [get(CATALOGUER, args={**BETA, "pk": "job"})],
    "marc-import-quarantine": [get(CATALOGUER, args={**BETA, "pk": "job"})],
    "marc-import-quarantine-file": [get(CATALOGUER, args={**BETA, "pk": "job"})],
    "marc-import-quarantined-raw": [get(CATALOGUER, args={**BETA, "pk": "quarantined"})],
    "marc-import-resubmit": [post(CATALOGUER, args={**BETA, "pk": "quarantined"}, data={}, multipart=True)],
    "marc-import-export-instance": [get(CATALOGUER, args={**BETA, "pk": "instance"})],
    "marc-import-web-jobs": [get(CATALOGUER, args=BETA)],
    "marc-import-web-job": [get(CATALOGUER, args={**BETA, "pk": "job"})],
    "marc-import-web-job-status": [get(CATALOGUER, args={**BETA, "pk": "job"})],
    "marc-import-web-raw": [get(CATALOGUER, args={**BETA, "pk": "quarantined"})],
    "marc-import-web-resubmit": [post(CATALOGUER, 302, args={**BETA, "pk": "quarantined"})],
    # --- The union catalogue API ----------------------------------------------------------
    "union-api-records": [get(UNION_READER)],
    "union-api-record": [get(UNION_READER, args=RECORD)],
    "union-api-why": [get(UNION_READER, args=RECORD)],
    "union-api-versions": [get(UNION_READER, args=RECORD)],
    "union-api-compare": [get(UNION_READER, args=RECORD, query="a={first_version}&b={last_version}")],
    "union-api-export": [get(UNION_READER)],
    "union-api-policy": [get(UNION_READER),
                         Call("put", CONSORTIUM, data={"proposal_approval": "coordinator", "lock_minutes": 5})],
    "union-api-wrong-keys": [post(CONSORTIUM, data={"key": "isbn:9787020002207"})],
    "union-api-copy": [post(CATALOGUER, 201, args={"urid": "gamma_record"}, data={"library": "beta"})],
    "union-api-lock": [post(CATALOGUER, args=RECORD, data={"library": "beta"}),
                       Call("delete", ANY_CATALOGUER, 204, args=RECORD, why="releasing a lock one does not hold")],
    "union-api-proposals": [get(UNION_READER, args=RECORD),
                            post(CATALOGUER, 201, args=RECORD, data={"library": "beta", "changes": {"place": "北京"}})],
    "union-api-proposal-decide": [post(REGION_COORDINATOR, args={"pk": "proposal", "action": "accept"})],
    "union-api-restore": [post(REGION_COORDINATOR, args={**RECORD, "version": "first_version"})],
    "union-api-split": [post(REGION_COORDINATOR, 201, args=RECORD,
                             data={"members": [{"library": "gamma", "instance_id": "{gamma_copy}"}]})],
    "union-api-merge": [post(REGION_COORDINATOR, args=RECORD, data={"other": "{solo}"})],
    "union-api-pin": [post(REGION_COORDINATOR, args=RECORD, data={"library": "beta", "instance_id": "{instance}"}),
                      Call("delete", REGION_COORDINATOR, args=RECORD)],
    "union-api-reviews": [get(ANY_COORDINATOR)],
    "union-api-review-resolve": [post(REGION_COORDINATOR, args={"pk": "review"}, data={"action": "apart"})],
    "union-api-quality": [get(QUALITY)],
    "union-api-quality-library": [get(STAFF, args=BETA)],
    "union-api-member": [get(UNION_READER, args={**BETA, "instance_id": "instance"})],
    "union-api-add-item": [post(CATALOGUER, 201, args={**BETA, "instance_id": "instance"})],
    # --- The union staff pages ------------------------------------------------------------
    "union-search": [get(UNION_READER, query="q=红楼梦")],
    "union-record": [get(UNION_READER, args=RECORD)],
    "union-compare": [get(UNION_READER, args=RECORD, query="a={first_version}&b={last_version}")],
    "union-export": [get(UNION_READER)],
    "union-quality": [get(QUALITY)],
    "union-reviews": [get(ANY_COORDINATOR),
                      post(REGION_COORDINATOR, 302, data={"review": "{review}", "action": "apart"})],
    "union-record-action": [
        post(CATALOGUER, 302, args={**RECORD, "action": "lock"}, data={"library": "beta"}),
        post(CATALOGUER, 302, args={**RECORD, "action": "propose"}, data={"library": "beta", "place": "北京"}),
        post(REGION_COORDINATOR, 302, args={**RECORD, "action": "accept"}, data={"proposal": "{proposal}"}),
        post(REGION_COORDINATOR, 302, args={**RECORD, "action": "restore"}, data={"version": "{first_version}"}),
        post(REGION_COORDINATOR, 302, args={**RECORD, "action": "pin"}, data={"member": "{beta_member}"}),
        post(REGION_COORDINATOR, 302, args={**RECORD, "action": "merge"}, data={"other": "{solo}"}),
    ],
}


def _circulation_rules() -> None:
    from tests.circulation.access import AREAS

    for area in AREAS:
        clash = set(area.RULES) & set(RULES)
        assert not clash, f"access rules declared twice: {clash}"
        RULES.update(area.RULES)


_circulation_rules()


def _ill_rules() -> None:
    from tests.ill.access import AREAS

    for area in AREAS:
        clash = set(area.RULES) & set(RULES)
        assert not clash, f"access rules declared twice: {clash}"
        RULES.update(area.RULES)


_ill_rules()

# Routes open to everyone, with the reason (the anonymous walk skips these).
PUBLIC_ROUTES = {
    "": "the consortium's home page",
    "healthz": "the health check of the load balancer",
    "oai": "OAI-PMH harvesting of the union catalogue",
    "sru": "SRU search of the union catalogue",
    "search/": "the public catalogue (OPAC)",
    "search/record/<str:urid>/": "an OPAC record page",
    "search/suggest/": "OPAC search suggestions",
    "api/v1/search/": "catalogue search in the API, open like the OPAC",
    "api/v1/search/suggest/": "search suggestions in the API",
    "accounts/login/": "signing in",
    "accounts/logout/": "signing out",
    "i18n/setlang/": "choosing the language",
    "api/v1/auth/token/": "exchanging a password for an API token",
    "api/schema/": "the OpenAPI schema",
    "api/docs/": "the API documentation",
    "lib/<str:code>/reader-login/": "readers sign in with card and PIN (the form shows nothing of the card file)",
    "iso18626": "ISO 18626 messages from peers, each authenticated by the peer's own credential, not by a user login",
}


def calls_for(route) -> list[Call] | None:
    return RULES.get(route.name) if route.name else RULES.get(route.pattern)
