"""SRU 1.2 and 2.0 (``/sru``): explain and searchRetrieve with CQL over the union catalogue.

One endpoint serves both versions: ``version=1.1|1.2`` answers in the LoC ``srw`` namespace,
``version=2.0`` (or no version, without the 1.x ``operation`` parameter) in the OASIS
``sruResponse`` namespace. Every problem — bad CQL, an unknown index or schema, a start record
past the end, even a failing search backend — becomes an SRU diagnostic inside a well-formed
response, never an HTTP error page.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from search.contract import SearchQuery
from search.sru import cql, records
from search.sru.diagnostics import Diagnostic

logger = logging.getLogger(__name__)

SRW_NS = "http://www.loc.gov/zing/srw/"
SRW_DIAG_NS = "http://www.loc.gov/zing/srw/diagnostic/"
SRU2_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
SRU2_DIAG_NS = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
DIAG_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"

VERSIONS = ("1.1", "1.2", "2.0")
DEFAULT_RECORDS = 10
MAX_RECORDS = 100

# short name -> (schema URI, title)
SCHEMAS = {
    "marcxml": ("info:srw/schema/1/marcxml-v1.1", "MARC21 slim XML"),
    "dc": ("info:srw/schema/1/dc-v1.1", "Dublin Core"),
    "unimarcxml": ("info:srw/schema/8/unimarcxml-v0.1", "UNIMARC slim XML (CNMARC masters only)"),
}
SCHEMA_ALIASES = {
    "marcxml": "marcxml",
    "marc21": "marcxml",
    "marc21-xml": "marcxml",
    "marc21xml": "marcxml",
    "info:srw/schema/1/marcxml-v1.1": "marcxml",
    "http://www.loc.gov/marc21/slim": "marcxml",
    "dc": "dc",
    "oai_dc": "dc",
    "srw_dc": "dc",
    "info:srw/schema/1/dc-v1.1": "dc",
    "info:srw/schema/1/dc-schema": "dc",
    "http://purl.org/dc/elements/1.1/": "dc",
    "unimarcxml": "unimarcxml",
    "unimarc": "unimarcxml",
    "cnmarcxml": "unimarcxml",
    "info:srw/schema/8/unimarcxml-v0.1": "unimarcxml",
}
KNOWN_PARAMETERS = {
    "version",
    "operation",
    "query",
    "queryType",
    "startRecord",
    "maximumRecords",
    "recordPacking",
    "recordXMLEscaping",
    "recordSchema",
    "resultSetTTL",
    "stylesheet",
    "extraRequestData",
    "httpAccept",
}
EXPLAIN_INDEXES = [
    # (CQL index, set, name, title)
    ("cql.anywhere", "cql", "anywhere", "Any field"),
    ("cql.serverChoice", "cql", "serverChoice", "Any field"),
    ("cql.allRecords", "cql", "allRecords", "Every record"),
    ("dc.title", "dc", "title", "Title"),
    ("dc.creator", "dc", "creator", "Author"),
    ("dc.subject", "dc", "subject", "Subject"),
    ("dc.publisher", "dc", "publisher", "Publisher"),
    ("dc.date", "dc", "date", "Year of publication"),
    ("bath.isbn", "bath", "isbn", "ISBN"),
    ("bath.issn", "bath", "issn", "ISSN"),
    ("clc", "", "clc", "Chinese Library Classification"),
]


class _Response:
    """Builds one SRU response in the namespace of the answering version."""

    def __init__(self, version: str, kind: str):
        self.version = version
        self.v2 = version == "2.0"
        self.ns = SRU2_NS if self.v2 else SRW_NS
        prefix = "sruResponse" if self.v2 else "srw"
        self.root = etree.Element(self.q(kind), nsmap={prefix: self.ns})
        self.add(self.root, "version", version)

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def add(self, parent, name: str, text=None):
        el = etree.SubElement(parent, self.q(name))
        if text is not None:
            # Echoed parameters and diagnostic details may carry what XML cannot hold.
            el.text = records.xml_text(text)
        return el

    def diagnostic_element(self, diag: Diagnostic):
        ns = SRU2_DIAG_NS if self.v2 else SRW_DIAG_NS
        el = etree.Element(f"{{{ns}}}diagnostic", nsmap={"diag": ns})
        etree.SubElement(el, f"{{{ns}}}uri").text = diag.uri
        if diag.details:
            etree.SubElement(el, f"{{{ns}}}details").text = records.xml_text(diag.details)
        etree.SubElement(el, f"{{{ns}}}message").text = records.xml_text(diag.message)
        return el

    def diagnostics(self, diags: list[Diagnostic]) -> None:
        if diags:
            container = self.add(self.root, "diagnostics")
            for diag in diags:
                container.append(self.diagnostic_element(diag))

    def record(self, parent, schema_uri: str, packing: str, payload, position: int) -> None:
        rec = self.add(parent, "record")
        self.add(rec, "recordSchema", schema_uri)
        if self.v2:
            self.add(rec, "recordXMLEscaping", packing)
        else:
            self.add(rec, "recordPacking", packing)
        data = self.add(rec, "recordData")
        if packing == "string":
            data.text = etree.tostring(payload, encoding="unicode")
        else:
            data.append(payload)
        self.add(rec, "recordPosition", position)

    def echo(self, kind: str, params: dict[str, str]) -> None:
        echoed = self.add(self.root, kind)
        order = (
            "version",
            "query",
            "startRecord",
            "maximumRecords",
            "recordPacking",
            "recordXMLEscaping",
            "recordSchema",
            "resultSetTTL",
            "stylesheet",
        )
        for name in order:
            if params.get(name):
                self.add(echoed, name, params[name])

    def http(self) -> HttpResponse:
        xml = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
        return HttpResponse(xml, content_type="text/xml; charset=utf-8")


def _int(params: dict[str, str], name: str, default: int, minimum: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Diagnostic(6, name, "Unsupported parameter value") from None
    if value < minimum:
        raise Diagnostic(6, name, "Unsupported parameter value")
    return value


def _schema(params: dict[str, str]) -> str:
    raw = params.get("recordSchema", "") or "marcxml"
    name = SCHEMA_ALIASES.get(raw) or SCHEMA_ALIASES.get(raw.lower())
    if name is None:
        raise Diagnostic(66, raw)
    return name


def _packing(params: dict[str, str], version: str) -> str:
    name = "recordXMLEscaping" if version == "2.0" else "recordPacking"
    packing = params.get(name, "") or "xml"
    if packing not in ("xml", "string"):
        raise Diagnostic(71, packing)
    return packing


def _payload(schema: str, union_record):
    if schema == "dc":
        return records.dc_element(union_record, "srw_dc")
    if schema == "marcxml":
        return records.marc21_element(union_record)
    element = records.unimarc_element(union_record)
    if element is None:
        raise Diagnostic(67, f"{union_record.urid}: {SCHEMAS['unimarcxml'][0]}")
    return element


def _load_master_records(union_records) -> None:
    """Fetch the page's master records and holdings in two queries (the search service defers
    the masters; the holdings summary goes into every public MARC record)."""
    from django.db.models import prefetch_related_objects

    from union.models import UnionRecord

    masters = dict(UnionRecord.objects.filter(pk__in=[r.pk for r in union_records]).values_list("pk", "marc"))
    for record in union_records:
        record.marc = masters.get(record.pk, b"")
    prefetch_related_objects(union_records, "holdings__library")


def run_search(query: SearchQuery):
    """The search service; separated so the import happens at request time."""
    from search.services import search

    return search(query)


def search_retrieve(params: dict[str, str], version: str) -> HttpResponse:
    response = _Response(version, "searchRetrieveResponse")
    number_el = response.add(response.root, "numberOfRecords", 0)
    diags: list[Diagnostic] = []
    try:
        for name in params:
            if name not in KNOWN_PARAMETERS and not name.startswith("x-"):
                raise Diagnostic(8, name)
        if params.get("queryType", "cql") not in ("cql", ""):
            raise Diagnostic(6, "queryType")
        if params.get("stylesheet"):
            raise Diagnostic(110, params["stylesheet"], "Stylesheets not supported")
        text = params.get("query", "")
        if not text.strip():
            raise Diagnostic(7, "query")
        start = _int(params, "startRecord", 1, 1)
        maximum = min(_int(params, "maximumRecords", DEFAULT_RECORDS, 0), MAX_RECORDS)
        schema = _schema(params)
        packing = _packing(params, version)
        translated = cql.translate(text)
        query = SearchQuery(
            query=translated.node,
            year_from=translated.year_from,
            year_to=translated.year_to,
            sort=translated.sort,
            offset=start - 1,
            limit=max(maximum, 1),
            facets=False,
        )
        try:
            result, union_records = run_search(query)
        except Exception as exc:
            # The search service's user errors (bad query, bad parameter) keep their meaning.
            kind = type(exc).__name__
            if kind == "QuerySyntaxError":
                raise Diagnostic(10, str(exc)) from None
            if kind == "BadSearchParameter":
                raise Diagnostic(6, str(exc)) from None
            logger.exception("SRU search failed")
            raise Diagnostic(1, _("The search service is unavailable; try again later.")) from None
        number_el.text = str(result.total)
        if result.total and start > result.total:
            raise Diagnostic(61, str(start))
        union_records = union_records[:maximum]
        if union_records and schema != "dc":
            _load_master_records(union_records)
        if union_records:
            container = response.add(response.root, "records")
            for position, union_record in enumerate(union_records, start=start):
                try:
                    payload = _payload(schema, union_record)
                    # Serialised here, so a record that cannot be written fails alone.
                    etree.tostring(payload)
                except Diagnostic as surrogate:
                    payload = surrogate
                except Exception:
                    logger.warning("SRU: union record %s could not be serialised", union_record.urid,
                                   exc_info=True)
                    payload = Diagnostic(64, union_record.urid)
                if isinstance(payload, Diagnostic):
                    # A surrogate diagnostic stands in for a record we cannot give in this schema.
                    response.record(
                        container, DIAG_SCHEMA, packing, response.diagnostic_element(payload), position
                    )
                else:
                    response.record(container, SCHEMAS[schema][0], packing, payload, position)
        following = start + len(union_records)
        if union_records and following <= result.total:
            response.add(response.root, "nextRecordPosition", following)
    except Diagnostic as diag:
        diags.append(diag)
    response.echo("echoedSearchRetrieveRequest", {**params, "version": version})
    response.diagnostics(diags)
    return response.http()


def explain(
    request, params: dict[str, str], version: str, diags: list[Diagnostic] | None = None
) -> HttpResponse:
    response = _Response(version, "explainResponse")
    packing = "xml"
    try:
        packing = _packing(params, version)
    except Diagnostic as diag:
        diags = [*(diags or []), diag]
    container = response.add(response.root, "record")
    response.add(container, "recordSchema", ZEEREX_NS)
    response.add(container, "recordXMLEscaping" if response.v2 else "recordPacking", packing)
    data = response.add(container, "recordData")
    zeerex = _zeerex(request)
    if packing == "string":
        data.text = etree.tostring(zeerex, encoding="unicode")
    else:
        data.append(zeerex)
    response.add(container, "recordPosition", 1)
    response.echo("echoedExplainRequest", {**params, "version": version})
    response.diagnostics(diags or [])
    return response.http()


def _zeerex(request):
    def z(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{ZEEREX_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            el.text = str(text)
        return el

    root = etree.Element(f"{{{ZEEREX_NS}}}explain", nsmap={"zr": ZEEREX_NS})
    server = z(root, "serverInfo", protocol="SRU", version="1.2", transport=request.scheme)
    z(server, "host", request.get_host().rsplit(":", 1)[0])
    z(server, "port", request.get_port())
    z(server, "database", request.path.lstrip("/"))
    database = z(root, "databaseInfo")
    z(database, "title", "联合目录", lang="zh", primary="true")
    z(database, "title", "Union catalogue", lang="en")
    z(
        database,
        "description",
        "中小学和高校图书馆联合目录：各成员馆的馆藏与馆际互借。",
        lang="zh",
        primary="true",
    )
    z(
        database,
        "description",
        "Union catalogue of the member school and college libraries, with their holdings.",
        lang="en",
    )
    index_info = z(root, "indexInfo")
    for name, uri in cql.CONTEXT_SETS.items():
        z(index_info, "set", identifier=uri, name=name)
    for index, set_name, name, title in EXPLAIN_INDEXES:
        el = z(
            index_info,
            "index",
            search="true",
            scan="false",
            sort="true" if name in ("title", "date") else "false",
            id=index,
        )
        z(el, "title", title, lang="en")
        mapping = z(el, "map")
        if set_name:
            z(mapping, "name", name, set=set_name)
        else:
            z(mapping, "name", name)
    schema_info = z(root, "schemaInfo")
    for name, (uri, title) in SCHEMAS.items():
        el = z(schema_info, "schema", identifier=uri, name=name, sort="false", retrieve="true")
        z(el, "title", title, lang="en")
    config = z(root, "configInfo")
    z(config, "default", DEFAULT_RECORDS, type="numberOfRecords")
    z(config, "default", "marcxml", type="retrieveSchema")
    z(config, "default", "cql.serverChoice", type="index")
    z(config, "default", "=", type="relation")
    z(config, "setting", MAX_RECORDS, type="maximumRecords")
    for relation in ("=", "==", "exact", "adj", "any", "all", "<", ">", "<=", ">="):
        z(config, "supports", relation, type="relation")
    for boolean in ("and", "or", "not"):
        z(config, "supports", boolean, type="booleanOperator")
    z(config, "supports", "dc.title dc.date", type="sort")
    return root


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def sru(request):
    try:
        return _dispatch(request)
    except Exception:  # never an HTML error page: an SRU client expects SRU XML
        logger.exception("SRU request failed")
        return _fatal("2.0", Diagnostic(1, _("Internal error; please try again later.")), {})


def _dispatch(request):
    data = request.POST if request.method == "POST" else request.GET
    params = {key: data.get(key, "") for key in data}
    requested = params.get("version", "")
    if requested in VERSIONS:
        version = requested
    elif requested:
        # Answer an unsupported version in the highest version we speak, as SRU asks.
        diag = Diagnostic(5, "2.0", f"Unsupported version {requested}")
        return explain(request, {}, "2.0", [diag]) if not params.get("query") else _fatal("2.0", diag, params)
    else:
        version = "1.2" if params.get("operation") else "2.0"
    operation = params.get("operation", "")
    if operation == "explain" or (not operation and "query" not in params):
        return explain(request, params, version)
    if operation == "searchRetrieve" or not operation:
        return search_retrieve({k: v for k, v in params.items() if k != "operation"}, version)
    return _fatal(version, Diagnostic(4, operation), params)


def _fatal(version: str, diag: Diagnostic, params: dict[str, str]) -> HttpResponse:
    response = _Response(version, "searchRetrieveResponse")
    response.add(response.root, "numberOfRecords", 0)
    response.diagnostics([diag])
    return response.http()
