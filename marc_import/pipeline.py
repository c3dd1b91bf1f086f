"""Parse and map: source bytes in, batches of plain results out (no Django, no database).

This half of an import can run in a worker process while the main process writes to the
database; results are plain dicts so they cross the process boundary cheaply.
"""

from __future__ import annotations

import json
import multiprocessing
import unicodedata
from collections import deque
from dataclasses import dataclass

from pymarc import Subfield

from marc_import.mapping import map_record
from marc_import.mapping.common import fingerprint, stable_key
from marc_import.mapping.holdings import choose_profile, get_profile, map_holdings
from marc_import.records import RecordError, SourceRecord, decode, iter_records

BATCH = 1000
NOT_BIBLIOGRAPHIC = {
    "marc21": {"u": "holdings", "v": "holdings", "x": "holdings", "y": "holdings", "z": "authority",
               "w": "classification", "q": "community information"},
    "unimarc": {"x": "authority", "y": "authority", "z": "authority", "u": "holdings", "v": "holdings"},
}


JSON_FIELDS = ("parallel_titles", "authors", "series", "isbns", "issns", "languages", "clc", "ddc", "lcc",
               "subjects", "control_numbers")


class Dumped(str):
    """A JSON document already serialised (in the worker), written as is by the importer."""

    __slots__ = ()


@dataclass(frozen=True)
class Options:
    format: str = "auto"
    encoding: str = "auto"
    profile: str | None = None  # a profile name, None/"auto" to choose per record, "none" for no items


def _profile_for(record, flavour: str, options: Options):
    if options.profile == "none":
        return None
    if options.profile and options.profile != "auto":
        return get_profile(options.profile)
    return choose_profile(record, flavour)


def _rejected(source: SourceRecord, reason: str, control_number: str = "") -> dict:
    return {
        "status": "rejected",
        "position": source.position,
        "offset": source.offset,
        "raw": source.raw,
        "kind": source.kind,
        "reason": reason,
        "control_number": control_number[:100],
    }


def _utf8_raw(source: SourceRecord, record, encoding: str, flavour: str) -> bytes:
    """The record as UTF-8 ISO 2709, NFC, with its character set coded as UTF-8."""
    raw = source.raw
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
    try:
        record, encoding, flavour = decode(
            source, encoding=options.encoding, flavour=options.format
        )
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
    key = instance["control_number"] or stable_key(instance)
    instance["control_number"] = key
    return {
        "status": "ok",
        "position": source.position,
        "offset": source.offset,
        "key": key,
        "deleted": deleted,
        "flavour": flavour,
        "encoding": encoding,
        "instance": instance,
        "holdings": holdings,
        "fingerprint": fingerprint({"i": instance, "h": holdings}),
        "raw": raw,
        "json": {f: Dumped(json.dumps(instance[f], ensure_ascii=False)) for f in JSON_FIELDS},
    }


def iter_batches(stream, options: Options, batch_size: int = BATCH):
    """(results, bytes consumed so far) for each batch of ``batch_size`` records."""
    batch = []
    for source in iter_records(stream, encoding=options.encoding):
        batch.append(process(source, options))
        if len(batch) >= batch_size:
            yield batch, _consumed(stream, source)
            batch = []
    if batch:
        yield batch, None


def _consumed(stream, source) -> int | None:
    try:
        return stream.tell()
    except (OSError, AttributeError, ValueError):
        return source.offset


def _process_batch(sources: list[SourceRecord], options: Options) -> list[dict]:
    return [process(source, options) for source in sources]


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
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes=workers) as pool:
        pending: deque = deque()
        for sources, consumed in _read_batches(stream, options, batch_size):
            pending.append((pool.apply_async(_process_batch, (sources, options)), consumed))
            if len(pending) >= depth * workers:
                result, done = pending.popleft()
                yield result.get(timeout=600), done
        while pending:
            result, done = pending.popleft()
            yield result.get(timeout=600), done
