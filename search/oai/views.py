"""OAI-PMH 2.0 data provider for the union catalogue (``/oai``).

Items are union records, identified as ``oai:<repository id>:<urid>``, datestamped by
``UnionRecord.updated_at`` (seconds, UTC). Sets are member libraries (``library:<code>``): a
record belongs to the set of every library holding it. Deleted union records stay as deleted
headers for good (deletedRecord = persistent). Lists are paged with stateless, signed resumption
tokens that carry the request and a (datestamp, id) cursor, so a harvest survives restarts and
never skips a record; an expired or altered token gets ``badResumptionToken``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from search.sru import records
from tenants.models import Library
from union.models import UnionRecord

logger = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_XSD = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XSI = records.XSI_NS
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
TOKEN_SALT = "search.oai.resumption"

FORMATS = {
    "oai_dc": (records.OAI_DC_XSD, records.OAI_DC_NS),
    "marc21": (records.MARC21_XSD, records.MARC21_NS),
    "unimarc": (records.UNIMARC_XSD, records.UNIMARC_NS),
}

VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
}


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def repository_id() -> str:
    return getattr(settings, "OAI_REPOSITORY_IDENTIFIER", "unioncat.local")


def page_size() -> int:
    return int(getattr(settings, "OAI_PAGE_SIZE", 100))


def token_max_age() -> int:
    return int(getattr(settings, "OAI_TOKEN_MAX_AGE", 24 * 3600))


def oai_identifier(urid: str) -> str:
    return f"oai:{repository_id()}:{urid}"


def datestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _E(parent, name: str, text=None, **attrs):
    # Echoed arguments and error messages quote the request, which may hold what XML cannot.
    el = etree.SubElement(parent, f"{{{OAI_NS}}}{name}", {k: records.xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = records.xml_text(text)
    return el


# --- argument checking -------------------------------------------------------------------------


def _arguments(request) -> dict[str, str]:
    data = request.POST if request.method == "POST" else request.GET
    args: dict[str, str] = {}
    for key in data:
        values = data.getlist(key)
        if len(values) != 1:
            raise OAIError("badArgument", f"Argument {key} is repeated.")
        args[key] = values[0]
    return args


def _check_arguments(verb: str, args: dict[str, str]) -> None:
    required, optional, exclusive = VERBS[verb]
    given = set(args) - {"verb"}
    if exclusive and exclusive in given:
        if given != {exclusive}:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument.")
        return
    allowed = set(required) | set(optional)
    illegal = given - allowed
    if illegal:
        raise OAIError("badArgument", f"Illegal argument(s): {', '.join(sorted(illegal))}.")
    missing = [name for name in required if not args.get(name)]
    if missing:
        raise OAIError("badArgument", f"Missing required argument(s): {', '.join(missing)}.")


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _parse_date(value: str, name: str, end: bool) -> tuple[dt.datetime, str]:
    try:
        if _DAY.match(value):
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return (day + dt.timedelta(days=1) if end else day), "day"
        if _SECOND.match(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return (moment + dt.timedelta(seconds=1) if end else moment), "second"
    except ValueError:
        pass
    raise OAIError("badArgument", f"{name} is not a valid date ({GRANULARITY} or YYYY-MM-DD).")


def _urid_from(identifier: str) -> str:
    prefix = f"oai:{repository_id()}:"
    if not identifier.startswith(prefix) or len(identifier) == len(prefix):
        raise OAIError("idDoesNotExist", f"No item has the identifier {identifier}.")
    return identifier[len(prefix) :]


def _record_or_error(identifier: str) -> UnionRecord:
    record = (
        UnionRecord.objects.filter(urid=_urid_from(identifier)).prefetch_related("holdings__library").first()
    )
    if record is None:
        raise OAIError("idDoesNotExist", f"No item has the identifier {identifier}.")
    return record


def _can_disseminate(record: UnionRecord, prefix: str) -> bool:
    if prefix == "unimarc":
        return records.is_unimarc(record)
    return prefix in FORMATS


# --- responses ---------------------------------------------------------------------------------


def _header(parent, record: UnionRecord) -> None:
    attrs = {"status": "deleted"} if record.deleted else {}
    header = _E(parent, "header", **attrs)
    _E(header, "identifier", oai_identifier(record.urid))
    _E(header, "datestamp", datestamp(record.updated_at))
    for code in sorted({h.library.code for h in record.holdings.all()}):
        _E(header, "setSpec", f"library:{code}")


def _metadata(parent, record: UnionRecord, prefix: str) -> None:
    metadata = _E(parent, "metadata")
    if prefix == "oai_dc":
        metadata.append(records.dc_element(record, "oai_dc"))
    elif prefix == "marc21":
        metadata.append(records.marc21_element(record, schema_location=True))
    else:
        metadata.append(records.unimarc_element(record, schema_location=True))


def _record(parent, record: UnionRecord, prefix: str) -> bool:
    """Append the record; False (and nothing appended) when its metadata cannot be written.

    The record is built apart and serialised once before it joins the answer, so one stored
    record that cannot be written costs a logged warning, never the whole page.
    """
    el = etree.Element(f"{{{OAI_NS}}}record")
    try:
        _header(el, record)
        if not record.deleted:
            _metadata(el, record, prefix)
        etree.tostring(el)
    except Exception:
        logger.warning("OAI-PMH: union record %s could not be written as %s", record.urid, prefix,
                       exc_info=True)
        return False
    parent.append(el)
    return True


def identify(request, body, args) -> None:
    el = _E(body, "Identify")
    _E(el, "repositoryName", getattr(settings, "OAI_REPOSITORY_NAME", "Union catalogue"))
    _E(el, "baseURL", request.build_absolute_uri(request.path))
    _E(el, "protocolVersion", "2.0")
    admin = getattr(settings, "OAI_ADMIN_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    _E(el, "adminEmail", admin)
    earliest = UnionRecord.objects.aggregate(first=Min("updated_at"))["first"]
    _E(el, "earliestDatestamp", datestamp(earliest) if earliest else "1970-01-01T00:00:00Z")
    _E(el, "deletedRecord", "persistent")
    _E(el, "granularity", GRANULARITY)
    description = _E(el, "description")
    oai_id = etree.SubElement(description, f"{{{OAI_ID_NS}}}oai-identifier", nsmap={None: OAI_ID_NS})
    oai_id.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID_NS} {OAI_ID_XSD}")
    for name, value in (
        ("scheme", "oai"),
        ("repositoryIdentifier", repository_id()),
        ("delimiter", ":"),
        ("sampleIdentifier", oai_identifier("U000000001")),
    ):
        etree.SubElement(oai_id, f"{{{OAI_ID_NS}}}{name}").text = value


def list_metadata_formats(request, body, args) -> None:
    prefixes = list(FORMATS)
    if "identifier" in args:
        record = _record_or_error(args["identifier"])
        prefixes = [p for p in prefixes if _can_disseminate(record, p)]
    el = _E(body, "ListMetadataFormats")
    for prefix in prefixes:
        schema, namespace = FORMATS[prefix]
        fmt = _E(el, "metadataFormat")
        _E(fmt, "metadataPrefix", prefix)
        _E(fmt, "schema", schema)
        _E(fmt, "metadataNamespace", namespace)


def list_sets(request, body, args) -> None:
    if "resumptionToken" in args:
        raise OAIError("badResumptionToken", "ListSets is never split, so it takes no resumption token.")
    libraries = list(Library.objects.filter(is_active=True).order_by("code"))
    if not libraries:
        raise OAIError("noSetHierarchy", "There are no member libraries yet, so no sets.")
    el = _E(body, "ListSets")
    for library in libraries:
        entry = _E(el, "set")
        _E(entry, "setSpec", f"library:{library.code}")
        _E(entry, "setName", library.name)


def get_record(request, body, args) -> None:
    prefix = args["metadataPrefix"]
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"Unknown metadata format {prefix}.")
    record = _record_or_error(args["identifier"])
    if not _can_disseminate(record, prefix):
        raise OAIError("cannotDisseminateFormat", f"This item is not available as {prefix}.")
    answer = etree.Element(f"{{{OAI_NS}}}GetRecord")
    if not _record(answer, record, prefix):
        raise OAIError("cannotDisseminateFormat", f"This item cannot be given as {prefix} at the moment.")
    body.append(answer)


def _list_state(verb: str, args: dict[str, str]) -> dict:
    if "resumptionToken" in args:
        try:
            state = signing.loads(args["resumptionToken"], salt=TOKEN_SALT, max_age=token_max_age())
        except signing.SignatureExpired:
            raise OAIError(
                "badResumptionToken", "The resumption token has expired; start the list again."
            ) from None
        except signing.BadSignature:
            raise OAIError("badResumptionToken", "The resumption token is not valid.") from None
        if state.get("verb") != verb:
            raise OAIError("badResumptionToken", "The resumption token belongs to another verb.")
        return state
    prefix = args["metadataPrefix"]
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"Unknown metadata format {prefix}.")
    state = {
        "verb": verb,
        "prefix": prefix,
        "set": args.get("set", ""),
        "from": "",
        "until": "",
        "after": None,
        "cursor": 0,
    }
    granularities = set()
    if args.get("from"):
        moment, granularity = _parse_date(args["from"], "from", end=False)
        state["from"] = moment.isoformat()
        granularities.add(granularity)
    if args.get("until"):
        moment, granularity = _parse_date(args["until"], "until", end=True)
        state["until"] = moment.isoformat()
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity.")
    if state["from"] and state["until"] and state["from"] >= state["until"]:
        raise OAIError("badArgument", "until is earlier than from.")
    return state


def _selection(state: dict):
    qs = UnionRecord.objects.all()
    if state["from"]:
        qs = qs.filter(updated_at__gte=dt.datetime.fromisoformat(state["from"]))
    if state["until"]:
        qs = qs.filter(updated_at__lt=dt.datetime.fromisoformat(state["until"]))
    if state["set"]:
        kind, _, code = state["set"].partition(":")
        if kind != "library" or not code:
            return qs.none()
        qs = qs.filter(holdings__library__code=code).distinct()
    if state["prefix"] == "unimarc":
        qs = qs.filter(record_format__in=records.UNIMARC_FORMATS)
    return qs


def list_items(request, body, args, verb: str) -> None:
    state = _list_state(verb, args)
    selection = _selection(state)
    page = selection
    if state["after"]:
        stamp, last_id = state["after"]
        moment = dt.datetime.fromisoformat(stamp)
        page = page.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id))
    size = page_size()
    batch = list(page.order_by("updated_at", "id").prefetch_related("holdings__library")[: size + 1])
    if not batch and state["cursor"] == 0:
        raise OAIError("noRecordsMatch", "No records match the request.")
    more = len(batch) > size
    batch = batch[:size]
    el = _E(body, verb)
    written = 0
    for record in batch:
        if verb == "ListIdentifiers":
            _header(el, record)
        else:
            written += _record(el, record, state["prefix"])
    if verb == "ListRecords" and batch and not written:
        # The schema wants a record in a page; headers keep the harvest going past broken ones.
        for record in batch:
            _header(_E(el, "record"), record)
    if more or state["cursor"]:
        total = state.get("total")
        if total is None:
            total = selection.count()
        attrs = {"completeListSize": str(total), "cursor": str(state["cursor"])}
        if more:
            last = batch[-1]
            expires = timezone.now() + dt.timedelta(seconds=token_max_age())
            attrs["expirationDate"] = datestamp(expires)
            next_state = {
                **state,
                "after": [last.updated_at.isoformat(), last.id],
                "cursor": state["cursor"] + len(batch),
                "total": total,
            }
            token = signing.dumps(next_state, salt=TOKEN_SALT, compress=True)
        else:
            token = None
        _E(el, "resumptionToken", token, **attrs)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": lambda request, body, args: list_items(request, body, args, "ListIdentifiers"),
    "ListRecords": lambda request, body, args: list_items(request, body, args, "ListRecords"),
}


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def oai(request):
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {OAI_XSD}")
    _E(root, "responseDate", datestamp(timezone.now()))
    request_el = _E(root, "request", request.build_absolute_uri(request.path))
    # Build the answer apart, so an error found half-way leaves no partial list behind.
    body = etree.Element("body")
    try:
        args = _arguments(request)
        verb = args.get("verb", "")
        if verb not in HANDLERS:
            raise OAIError("badVerb", "Missing or illegal verb." if verb else "The verb argument is missing.")
        _check_arguments(verb, args)
        for key, value in args.items():
            request_el.set(key, records.xml_text(value))
        HANDLERS[verb](request, body, args)
    except OAIError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request_el.attrib.clear()  # the spec echoes only the base URL for these
        body = etree.Element("body")
        _E(body, "error", exc.message, code=exc.code)
    for child in body:
        root.append(child)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=False)
    return HttpResponse(xml, content_type="text/xml; charset=utf-8")
