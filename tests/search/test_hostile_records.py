"""Whatever a member imported, the union catalogue, search, OAI-PMH and SRU keep working.

The hostile MARC corpus of the import fuzz tests (``tests/marc_import/fuzz.py``) is imported into
a member library; what got in is synced to the union catalogue and indexed, then searched with
words from the stored records (REST API and web catalogue), harvested with OAI-PMH (ListRecords
in every metadata format, following resumption tokens, and GetRecord) and retrieved with SRU
(marcxml and dc). No answer may be a server error, every OAI-PMH answer must validate against
the OAI-PMH schema with the metadata inside against its own schema, every SRU answer against
the SRU 2.0 schema (when the shared schemas are at hand) and the MARCXML inside against MARC 21
slim, and no outbox row may be left failed or dead-lettered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from tests.marc_import import fuzz
from tests.marc_import.test_fuzzed_import import SEEDS

DATA = Path(__file__).parent / "data"
SRU_XSD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "crosslink" / "sru_xsd"
NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "m": "http://www.loc.gov/MARC21/slim",
    "s": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
}
DRIVER = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:unioncat:test:oai">
<xs:import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="{oai}/OAI-PMH.xsd"/>
<xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="{oai}/oai_dc.xsd"/>
<xs:import namespace="http://www.loc.gov/MARC21/slim" schemaLocation="{data}/MARC21slim.xsd"/>
<xs:import namespace="http://www.bncf.firenze.sbn.it/unimarc/slim" schemaLocation="{unimarc}"/>
</xs:schema>"""
MAX_QUERIES = 120


def oai_schema(workdir: Path) -> etree.XMLSchema:
    """OAI-PMH with the schemas of every metadata format we serve (its <metadata> is strict).

    UNIMARC is served with the MARC 21 slim element names in the UNIMARC slim namespace, so it is
    judged by the MARC 21 slim schema moved to that namespace (see data/oai/SOURCES.md)."""
    unimarc = workdir / "unimarc-as-marc21slim.xsd"
    unimarc.write_text((DATA / "MARC21slim.xsd").read_text(encoding="utf-8").replace(
        "http://www.loc.gov/MARC21/slim", "http://www.bncf.firenze.sbn.it/unimarc/slim"), encoding="utf-8")
    driver = DRIVER.format(oai=(DATA / "oai").as_uri(), data=DATA.as_uri(), unimarc=unimarc.as_uri())
    return etree.XMLSchema(etree.fromstring(driver.encode(), base_url=(DATA / "oai").as_uri() + "/"))


def sru_schema() -> etree.XMLSchema | None:
    """The SRU 2.0 response schema from the shared test data, or None on a clean clone."""
    if not (SRU_XSD / "sruResponse.xsd").exists():
        return None
    from tests.search.sru.test_sru_schema import _LocalSchemas

    parser = etree.XMLParser()
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SRU_XSD / "sruResponse.xsd"), parser))


MARC_XSD = etree.XMLSchema(etree.parse(str(DATA / "MARC21slim.xsd")))


class Failures(list):
    def add(self, what: str, detail) -> None:
        self.append(f"{what}: {str(detail)[:400]}")


def _drain_all(failures: Failures) -> None:
    from core import outbox
    from search.backends import get_backend
    from search.services.indexing import drain_union_outbox
    from tenants.models import CatalogueChange
    from union.models import UnionChange
    from union.services.sync import drain

    for _ in range(outbox.MAX_ATTEMPTS + 1):
        if not drain():
            break
    get_backend().ensure_index()
    for _ in range(outbox.MAX_ATTEMPTS + 50):
        counts = drain_union_outbox(max_batches=50)
        if not counts["pending"]:
            break
    for model in (CatalogueChange, UnionChange):
        for row in model.objects.filter(processed_at__isnull=True).order_by("id")[:20]:
            state = "dead-lettered" if row.dead_at else f"failed {row.attempts} times"
            failures.add(f"{model.__name__} {row.pk} {state}", row.last_error)


def _words(library) -> list[str]:
    """Query words from the stored records: each title's first word and its longest."""
    from django_tenants.utils import tenant_context

    from tenants.catalogue.models import Instance

    words: dict[str, None] = {}
    with tenant_context(library):
        titles = list(Instance.objects.values_list("title", flat=True))
    for title in titles:
        found = [w for w in re.split(r"\s+", title or "") if w.strip(" .,:;/=")]
        if found:
            words[found[0]] = None
            words[max(found, key=len)] = None
    return list(words)[:MAX_QUERIES]


def _check_search(client, words: list[str], failures: Failures) -> None:
    for word in words:
        for url in ("/api/v1/search/", "/search/"):
            response = client.get(url, {"q": word})
            if response.status_code >= 500:
                failures.add(f"GET {url}?q={word[:40]!r}", f"status {response.status_code}")
        response = client.get("/api/v1/search/", {"title": word})
        if response.status_code >= 500:
            failures.add(f"GET /api/v1/search/?title={word[:40]!r}", f"status {response.status_code}")


def _oai(client, schema, failures: Failures, **params):
    response = client.get("/oai", params)
    what = "OAI " + " ".join(f"{k}={v}" for k, v in params.items() if k != "resumptionToken")
    if response.status_code != 200:
        failures.add(what, f"status {response.status_code}")
        return None
    try:
        tree = etree.fromstring(response.content)
    except etree.XMLSyntaxError as exc:
        failures.add(what, f"not well-formed: {exc}")
        return None
    if not schema.validate(tree):
        failures.add(what, f"invalid: {schema.error_log.last_error}")
    return tree


def _check_oai(client, failures: Failures, workdir: Path) -> int:
    schema = oai_schema(workdir)
    formats = _oai(client, schema, failures, verb="ListMetadataFormats")
    prefixes = formats.xpath("//o:metadataPrefix/text()", namespaces=NS) if formats is not None else ["oai_dc"]
    identifiers: set[str] = set()
    for prefix in prefixes:
        params = {"verb": "ListRecords", "metadataPrefix": prefix}
        for _page in range(1000):
            tree = _oai(client, schema, failures, **params)
            if tree is None:
                break
            identifiers.update(tree.xpath("//o:record/o:header/o:identifier/text()", namespaces=NS))
            token = tree.xpath("//o:resumptionToken/text()", namespaces=NS)
            if not token:
                break
            params = {"verb": "ListRecords", "resumptionToken": token[0]}
    for identifier in sorted(identifiers):
        for prefix in prefixes:
            _oai(client, schema, failures, verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
    return len(identifiers)


def _check_sru(client, words: list[str], failures: Failures) -> None:
    schema = sru_schema()
    for word in words[:40]:
        for record_schema in ("marcxml", "dc"):
            query = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
            params = {"version": "2.0", "query": f"cql.anywhere = {query}", "recordSchema": record_schema,
                      "maximumRecords": "50"}
            what = f"SRU {record_schema} {word[:40]!r}"
            response = client.get("/sru", params)
            if response.status_code != 200:
                failures.add(what, f"status {response.status_code}")
                continue
            try:
                tree = etree.fromstring(response.content)
            except etree.XMLSyntaxError as exc:
                failures.add(what, f"not well-formed: {exc}")
                continue
            if schema is not None and not schema.validate(tree):
                failures.add(what, f"invalid: {schema.error_log.last_error}")
            for marc in tree.iterfind(".//m:record", NS):
                if not MARC_XSD.validate(etree.fromstring(etree.tostring(marc))):
                    failures.add(what, f"MARCXML invalid: {MARC_XSD.error_log.last_error}")


# Mutations that damage what records hold rather than the file's structure: their records get in.
CONTENT = {"byte_flips", "invalid_bytes", "control_in_leader", "control_in_control_field", "control_in_indicator",
           "control_subfield_code", "control_in_data", "nul_in_leader", "nul_in_control_field", "nul_in_indicator",
           "nul_subfield_code", "nul_in_data", "xml_nul_in_data", "huge_word", "huge_run", "ucs2_lone_surrogate",
           "xml_bad_entity", "xml_billion_laughs", "xml_external_entity", "xml_invalid_bytes",
           "xml_control_subfield_code", "xml_control_in_data", "xml_huge_word", "xml_huge_run"}


def corpus() -> list[fuzz.Case]:
    """The content mutations of the import fuzz corpus, each file with records of its own
    (otherwise the damaged copies of one seed record would update or cluster with each other and
    only one would be served)."""
    cases = []
    for seed in SEEDS.values():
        for mutation in fuzz.mutations_for(seed):
            if mutation not in CONTENT:
                continue
            try:
                cases.append(fuzz.make_case(fuzz.with_identity(seed, f"{mutation}-{seed.name}"), mutation))
            except ValueError:
                continue
    return cases


@pytest.fixture
def hostile_catalogue(library_a, tmp_path):
    """The whole corpus imported into alpha, synced and indexed; returns what failed on the way."""
    failures = Failures()
    for case in corpus():
        # A file whose import fails is the import fuzz tests' business; here what got in counts.
        fuzz.import_and_check(library_a, case, directory=tmp_path)
    _drain_all(failures)
    yield failures
    from search.backends import get_backend

    get_backend().clear()


def test_every_stored_hostile_record_is_synced_searched_and_harvested(client, library_a, hostile_catalogue,
                                                                      tmp_path):
    from union.models import UnionRecord

    failures = hostile_catalogue
    assert UnionRecord.objects.filter(deleted=False).count() > 30
    words = _words(library_a)
    _check_search(client, words, failures)
    harvested = _check_oai(client, failures, tmp_path)
    assert harvested >= UnionRecord.objects.count() or failures
    _check_sru(client, words, failures)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
