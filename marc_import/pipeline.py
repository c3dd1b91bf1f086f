"""Parse and map: source bytes in, batches of plain results out (no Django, no database).

This half of an import can run in a worker process while the main process writes to the
database; results are plain dicts so they cross the process boundary cheaply.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import re
import unicodedata
from collections import deque
from dataclasses import dataclass

from pymarc import Subfield

from marc_import.budget import RecordTimer
from marc_import.mapping import map_record
from marc_import.mapping.common import stable_key
from marc_import.mapping.holdings import choose_profile, get_profile, map_holdings
from marc_import.records import RecordError, SourceRecord, decode, iter_records
from marc_import.sanitize import needs_cleaning, storable_record, storable_rejection

BATCH = 1000
NOT_BIBLIOGRAPHIC = {
    "marc21": {"u": "holdings", "v": "holdings", "x": "holdings", "y": "holdings", "z": "authority",
               "w": "classification", "q": "community information"},
    "unimarc": {"x": "authority", "y": "authority", "z": "authority", "u": "holdings", "v": "holdings"},
}


INSTANCE_FIELDS = (
    "record_format", "title", "other_title", "parallel_titles", "volume", "responsibility", "authors", "edition",
    "publisher", "place", "year", "extent", "series", "isbns", "issns", "languages", "clc", "ddc", "lcc",
    "subjects", "summary", "material_type", "control_numbers", "price", "encoding_level",
)
# Rows are prepared here, in PostgreSQL's COPY text format, so the writing process only adds ids,
# hrids, the raw record and timestamps. These are the columns each prepared line holds, in order.
INSTANCE_COLUMNS = ("fingerprint", "control_number", "source_encoding", "deleted", "discovery_suppress",
                    *INSTANCE_FIELDS)
HOLDINGS_COLUMNS = ("location", "call_number", "notes", "discovery_suppress")
ITEM_COLUMNS = ("barcode", "status", "reference_only", "volume", "copy_number", "price", "acquired_on",
                "discovery_suppress")

# NUL, which COPY cannot take, never gets this far: ``marc_import.sanitize`` removes it (and the
# other characters no column takes) from every record first.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    return _COPY_ESCAPES[match.group()]


def copy_field(value) -> str:
    """One value in COPY text format: NULL, booleans, numbers, text; lists and dicts as JSON."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        if not value:
            return "[]" if isinstance(value, list) else "{}"
        value = json.dumps(value, ensure_ascii=False)
    return _COPY_SPECIAL.sub(_escape, value) if _COPY_SPECIAL.search(value) else value


def holdings_line(holdings: dict) -> str:
    return "\t".join((copy_field(holdings["location"]), copy_field(holdings["call_number"]),
                      copy_field(holdings["notes"]), "f"))


def item_line(item: dict) -> str:
    return "\t".join((copy_field(item["barcode"]), item["status"], "t" if item["reference_only"] else "f",
                      copy_field(item["volume"]), copy_field(item["copy_number"]), copy_field(item["price"]),
                      copy_field(item["acquired_on"]), "f"))


def _digest(prefix: bytes, fields: str, hlines: list) -> str:
    digest = hashlib.sha256(prefix)
    digest.update(fields.encode())
    for hline, ilines in hlines:
        digest.update(b"\n" + hline.encode())
        for iline in ilines:
            digest.update(b"\r" + iline.encode())
    return digest.hexdigest()


def prepared_rows(instance: dict, holdings: list[dict], encoding: str) -> tuple[str, str, list]:
    """(fingerprint, instance line, [(holdings line, [item lines])]) for one mapped record.

    The fingerprint hashes the mapped data only (not the source bytes or their character set),
    so the same record sent again in another encoding or container is unchanged.
    """
    fields = "\t".join([copy_field(instance[name]) for name in INSTANCE_FIELDS])
    hlines = [(holdings_line(h), [item_line(i) for i in h["items"]]) for h in holdings]
    if not instance["control_number"]:
        # Without 001 or 035 nothing tells a corrected record from another edition, so the key is
        # everything mapped: a record differing in any field (publisher, edition, series, items)
        # is a new instance, never an overwrite, and the same record sent again is still found.
        instance["control_number"] = "key:" + _digest(b"", fields, hlines)[:32]
    fp = _digest(instance["control_number"].encode(), fields, hlines)
    line = "\t".join((fp, copy_field(instance["control_number"]), copy_field(encoding), "f", "f", fields))
    return fp, line, hlines


# A record's budget: reading and mapping one may take this long, and it may be this large; past
# either it is quarantined with the reason, and the rest of the file imports. Every step is
# linear, so a real record takes milliseconds; ISO 2709 cannot describe a record over 99,999
# bytes, and MARCXML writes one in a few times that.
RECORD_SECONDS = 10.0
MAX_RECORD_BYTES = 1_000_000


@dataclass(frozen=True)
class Options:
    format: str = "auto"
    encoding: str = "auto"
    profile: str | None = None  # a profile name, None/"auto" to choose per record, "none" for no items
    record_seconds: float | None = None  # None: RECORD_SECONDS


def _profile_for(record, flavour: str, options: Options):
    if options.profile == "none":
        return None
    if options.profile and options.profile != "auto":
        return get_profile(options.profile)
    return choose_profile(record, flavour)


def _rejected(source: SourceRecord, reason: str, control_number: str = "") -> dict:
    # The reason may quote the record, and the control number is the record's own: both must
    # be storable in the quarantine table.
    return storable_rejection({
        "status": "rejected",
        "position": source.position,
        "offset": source.offset,
        "length": len(source.raw),
        "raw": source.raw,
        "kind": source.kind,
        "reason": reason,
        "control_number": control_number,
    })


def _utf8_raw(source: SourceRecord, record, encoding: str, flavour: str) -> bytes:
    """The record as UTF-8 ISO 2709, NFC, with its character set coded as UTF-8."""
    raw = source.body
    if source.kind == "iso2709" and source.text is None and encoding in ("ascii", "utf-8"):
        if encoding == "ascii" or unicodedata.is_normalized("NFC", raw.decode("utf-8")):
            if flavour == "marc21" and raw[9:10] != b"a":
                raw = raw[:9] + b"a" + raw[10:]
            return raw
    if flavour == "marc21":
        record.leader = record.leader[:9] + "a" + record.leader[10:]
    else:
        f100 = record.get("100")
        if f100 is not None and not f100.is_control_field():
            for i, sub in enumerate(f100.subfields):
                if sub.code == "a" and len(sub.value) >= 30:
                    f100.subfields[i] = Subfield(sub.code, sub.value[:26] + "50  " + sub.value[30:])
                    break
    return record.as_marc()


def process(source: SourceRecord, options: Options) -> dict:
    """One source record -> an 'ok' result (mapped instance and holdings) or a 'rejected' one."""
    if len(source.raw) > MAX_RECORD_BYTES:
        return _rejected(source, f"record is {len(source.raw):,} bytes long; a record may have at most "
                                 f"{MAX_RECORD_BYTES:,}")
    try:
        record, encoding, flavour = decode(source, encoding=options.encoding, flavour=options.format)
    except RecordError as exc:
        return _rejected(source, str(exc))
    except Exception as exc:  # noqa: BLE001 - any parser failure rejects this record only
        return _rejected(source, f"unreadable record: {exc.__class__.__name__}: {exc}")
    cn = ""
    try:
        cn_field = record.get("001")
        cn = (cn_field.data or "").strip() if cn_field is not None else ""
        leader = str(record.leader)
        kind = NOT_BIBLIOGRAPHIC[flavour].get(leader[6:7])
        if kind:
            return _rejected(source, f"not a bibliographic record: leader/06 = '{leader[6]}' ({kind})", cn)
        instance = map_record(record, flavour)
        deleted = instance.pop("deleted")
        if not instance["title"] and not deleted:
            tag = "245$a" if flavour == "marc21" else "200$a"
            return _rejected(source, f"record has no title ({tag})", cn)
        holdings = map_holdings(record, _profile_for(record, flavour, options))
        raw = _utf8_raw(source, record, encoding, flavour)
    except RecordError as exc:
        return _rejected(source, str(exc), cn)
    except Exception as exc:  # noqa: BLE001
        return _rejected(source, f"cannot map record: {exc.__class__.__name__}: {exc}", cn)
    own_number = instance["control_number"]
    instance["control_number"] = own_number or stable_key(instance)
    try:
        fp, line, hlines = prepared_rows(instance, holdings, encoding)  # keys a record without one
        storable = not needs_cleaning(instance, holdings, line, hlines)
    except UnicodeEncodeError:  # a lone surrogate: not even the fingerprint can encode it
        storable = False
    if not storable:  # rare: almost every record is clean
        instance["control_number"] = own_number
        instance, holdings = storable_record(instance, holdings)
        if not instance["title"] and not deleted:
            return _rejected(source, "record has no title that can be stored (only control characters)", cn)
        instance["control_number"] = instance["control_number"] or stable_key(instance)
        fp, line, hlines = prepared_rows(instance, holdings, encoding)
    key = instance["control_number"]
    return {
        "status": "ok",
        "position": source.position,
        # Where the record stands in the file: a late rejection quarantines those bytes, not "raw".
        "offset": source.offset,
        "length": len(source.raw),
        "kind": source.kind,
        "key": key,
        "deleted": deleted,
        "flavour": flavour,
        "encoding": encoding,
        "instance": instance,
        "holdings": holdings,
        "fingerprint": fp,
        "raw": raw,
        "line": line,
        "hlines": hlines,
    }


def iter_batches(stream, options: Options, batch_size: int = BATCH):
    """(results, bytes consumed so far) for each batch of ``batch_size`` records."""
    for sources, consumed in _read_batches(stream, options, batch_size):
        yield _process_batch(sources, options, keep_instance=True), consumed


def _consumed(stream, source) -> int | None:
    try:
        return stream.tell()
    except (OSError, AttributeError, ValueError):
        return source.offset


def _process_batch(sources: list[SourceRecord], options: Options, keep_instance: bool = False) -> list[dict]:
    # Mapping allocates many small containers and frees them by reference counting; the cyclic
    # collector finds nothing here but would scan the live batch again and again (a third of
    # the time), so it waits until the batch is done.
    collecting = gc.isenabled()
    gc.disable()
    seconds = _record_seconds(options)
    timer = RecordTimer.start(seconds)
    try:
        if timer is None:
            results = [process(source, options) for source in sources]
        else:
            results = [timer.run(process, source, options, on_over_time=lambda source=source: _rejected(
                source, f"reading and mapping the record took longer than {seconds:g} seconds; "
                        "it may hold a long run of damaged text")) for source in sources]
    finally:
        if timer is not None:
            timer.stop()
        if collecting:
            gc.enable()
    if not keep_instance:  # the writer needs only the prepared lines: less to send back
        for result in results:
            result.pop("instance", None)
    return results


def _record_seconds(options: Options) -> float:
    return RECORD_SECONDS if options.record_seconds is None else options.record_seconds


def _read_batches(stream, options: Options, batch_size: int):
    batch = []
    for source in iter_records(stream, encoding=options.encoding):
        batch.append(source)
        if len(batch) >= batch_size:
            yield batch, _consumed(stream, source)
            batch = []
    if batch:
        yield batch, None


def iter_batches_in_workers(stream, options: Options, batch_size: int = BATCH, workers: int = 2,
                            depth: int = 4):
    """Like :func:`iter_batches`, with parsing and mapping in worker processes.

    The calling process only splits the input into raw records; at most ``depth`` batches per
    worker are in flight, so memory stays flat whatever the file size. Results come back in order.
    """
    # The wait for a batch catches a worker that died; it is longer than a batch can take when
    # every record in it uses its whole budget, so slow records never fail the import.
    timeout = max(600.0, batch_size * _record_seconds(options))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes=workers) as pool:
        pending: deque = deque()
        for sources, consumed in _read_batches(stream, options, batch_size):
            pending.append((pool.apply_async(_process_batch, (sources, options)), consumed))
            if len(pending) >= depth * workers:
                result, done = pending.popleft()
                yield result.get(timeout=timeout), done
        while pending:
            result, done = pending.popleft()
            yield result.get(timeout=timeout), done
