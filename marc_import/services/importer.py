"""Import MARC files into a member library's local catalogue.

``import_file`` streams a file through the parse-and-map pipeline (in a worker process for large
files) and writes batches of instances, holdings and items with bulk statements. It is
repeatable: records are matched on their control number within the library; an unchanged
fingerprint writes nothing, a changed one updates, leader/05 = 'd' withdraws. Every record read
ends as created, updated, unchanged, deleted or rejected, and rejected records are quarantined
with their raw bytes, position and reason.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.copy import copy_lines, update_lines
from marc_import.exceptions import BadOption, SourceNotFound, UnknownProfile
from marc_import.mapping.holdings import profiles
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.pipeline import (
    HOLDINGS_COLUMNS,
    INSTANCE_COLUMNS,
    ITEM_COLUMNS,
    Options,
    copy_field,
    holdings_line,
    item_line,
    iter_batches,
    iter_batches_in_workers,
)
from marc_import.records import ENCODINGS, FORMATS
from marc_import.services.file_kind import HEAD_BYTES, describe_non_marc
from marc_import.services.job_status import claim_job, fail_job, finish_job
from tenants.catalogue.models import HoldingsRecord, Instance, Item
from tenants.catalogue.services.changes import record_changes
from tenants.catalogue.services.hrid import format_hrid
from tenants.models import Library

log = logging.getLogger(__name__)

# Files from this size on are parsed and mapped in worker processes while this process writes.
WORKER_THRESHOLD = int(os.environ.get("MARC_IMPORT_WORKER_BYTES", 2 * 1024 * 1024))
WORKERS = max(1, min(int(os.environ.get("MARC_IMPORT_WORKERS", 2)), os.cpu_count() or 1))


def check_options(format: str, encoding: str, profile: str | None) -> None:
    if format not in FORMATS:
        raise BadOption(_("Unknown format %(value)s; use one of: %(choices)s") % {"value": format, "choices": ", ".join(FORMATS)})
    if encoding not in ENCODINGS:
        raise BadOption(
            _("Unknown encoding %(value)s; use one of: %(choices)s") % {"value": encoding, "choices": ", ".join(ENCODINGS)}
        )
    if profile and profile not in ("auto", "none") and profile not in profiles():
        raise UnknownProfile(
            _("Unknown holdings profile %(value)s; use one of: %(choices)s")
            % {"value": profile, "choices": ", ".join(["auto", "none", *profiles()])}
        )


def import_file(
    library: Library,
    source,
    *,
    format: str = "auto",
    encoding: str = "auto",
    profile: str | None = None,
    job: ImportJob | None = None,
    progress: Callable[[ImportJob], None] | None = None,
    user=None,
    source_name: str = "",
    use_worker: bool | None = None,
) -> ImportJob:
    """Import ``source`` (a path or a binary file object) into ``library``; returns the finished job."""
    check_options(format, encoding, profile)
    path = None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise SourceNotFound(_("No such file: %(path)s") % {"path": source})
    with tenant_context(library):
        if job is None:
            job = ImportJob.objects.create(
                source_name=source_name or (path.name if path else getattr(source, "name", "") or "upload"),
                format=format, encoding=encoding, profile=profile or "",
                created_by_id=getattr(user, "pk", None),
            )
        elif path is None and job.file and source is None:
            path = Path(job.file.path)
        options = Options(format=format, encoding=encoding, profile=profile or None)
        # A job handed over by a worker is claimed already; one made here is claimed now.
        if job.status == ImportJob.Status.QUEUED and not claim_job(job, actor=user):
            return job
        job.total_bytes = _size(path, source)
        job.save(update_fields=["total_bytes"])
        stream = open(path, "rb") if path else source  # noqa: SIM115 - closed below
        head = _head(stream)
        try:
            if use_worker is None:
                use_worker = job.total_bytes >= WORKER_THRESHOLD
            if use_worker and multiprocessing.current_process().daemon:
                # A daemonic process (a Celery prefork worker) may not start processes of its
                # own: map in this process; Celery's own worker processes give the parallelism.
                use_worker = False
            if use_worker:
                batches = iter_batches_in_workers(stream, options, workers=WORKERS)
            else:
                batches = iter_batches(stream, options)
            writer = BatchWriter(library, job, original=_original_bytes(path, stream))
            for results, consumed in batches:
                writer.write(results)
                job.processed_bytes = consumed if consumed is not None else job.total_bytes
                job.save(update_fields=["read", "created", "updated", "unchanged", "deleted", "rejected",
                                        "holdings_created", "items_created", "processed_bytes", "detected_format"])
                if progress:
                    progress(job)
        except Exception as exc:
            fail_job(job, f"{exc.__class__.__name__}: {exc}")
            raise
        finally:
            if path is not None:
                stream.close()
        # Nothing imported: if the file is plainly not MARC, the job fails saying what it is.
        not_marc = describe_non_marc(head, job.read) if job.read == job.rejected and head is not None else None
        if not_marc:
            fail_job(job, not_marc)
            job.refresh_from_db()
            return job
        finish_job(job)
        if progress:
            progress(job)
        return job


def _original_bytes(path: Path | None, stream) -> Callable[[int, int], bytes | None]:
    """Reads a record's bytes again from the file by (offset, length) as the reader found them,
    so a record rejected after conversion is quarantined as the library sent it; None when the
    stream cannot be read twice."""
    if path is not None:
        def read_path(offset: int, length: int) -> bytes | None:
            with open(path, "rb") as again:
                again.seek(offset)
                return again.read(length)
        return read_path
    try:
        start = stream.tell()
    except (AttributeError, OSError, ValueError):
        return lambda offset, length: None

    def read_stream(offset: int, length: int) -> bytes | None:
        # The reader is paused while a batch is written, so its position can be put back.
        try:
            here = stream.tell()
            stream.seek(start + offset)
            data = stream.read(length)
            stream.seek(here)
        except (OSError, ValueError):
            return None
        return data
    return read_stream


def _head(stream) -> bytes | None:
    """The first bytes of the stream, put back; None when it cannot go back."""
    try:
        if not stream.seekable():
            return None
        start = stream.tell()
        head = stream.read(HEAD_BYTES)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return head


def _size(path: Path | None, source) -> int:
    if path is not None:
        return path.stat().st_size
    try:
        pos = source.tell()
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(pos)
        return size - pos
    except (AttributeError, OSError, ValueError):
        return 0


# Schema-qualified id sequence names by (schema, table): asked once, not for every batch. A name,
# not an oid, so a schema dropped and made again under the same name still finds its sequence.
_SEQUENCES: dict[tuple[str, str], str] = {}


def _id_sequence(cursor, table: str) -> str:
    key = (connection.schema_name, table)
    if key not in _SEQUENCES:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (_SEQUENCES[key],) = cursor.fetchone()
    return _SEQUENCES[key]


def _new_rows(model, kind: str, count: int) -> list[tuple[int, str]]:
    """(id, hrid) for ``count`` new rows: ids from the table's own sequence, hrids from the schema's."""
    with connection.cursor() as cursor:
        sequence = _id_sequence(cursor, model._meta.db_table)
        # The sequence name goes in as a constant, so PostgreSQL resolves it once, not per row.
        cursor.execute(
            f"SELECT nextval(%s::regclass), nextval('hrid_{kind}_seq') FROM generate_series(1, %s)",
            [sequence, count],
        )
        rows = cursor.fetchall()
    return [(pk, format_hrid(kind, n)) for pk, n in rows]


def _insert(model, kind: str, columns: list[str], lines: list[str]) -> list[int]:
    """COPY new rows: each prepared line (the columns after id and hrid) gets a new id and hrid in
    front; returns the new ids in order."""
    if not lines:
        return []
    rows = _new_rows(model, kind, len(lines))
    copy_lines(model._meta.db_table, columns,
               [f"{pk}\t{hrid}\t{line}\n" for (pk, hrid), line in zip(rows, lines, strict=True)])
    return [pk for pk, _hrid in rows]


INSTANCE_COPY = ["id", "hrid", "created_at", "updated_at", "raw_record", *INSTANCE_COLUMNS]
HOLDINGS_COPY = ["id", "hrid", "instance_id", "created_at", "updated_at", *HOLDINGS_COLUMNS]
ITEM_COPY = ["id", "hrid", "holdings_id", "created_at", "updated_at", *ITEM_COLUMNS]


# Advisory lock space of the import writer (two int4 keys: this, and the library's id).
WRITER_LOCK = 0x6D617263  # "marc"
# COPY runs on psycopg's own cursor, so its errors reach us unwrapped by Django.
CLASHES = (IntegrityError, psycopg.IntegrityError)
# The job counts a batch's writes change, put back when a savepoint is rolled back.
WRITTEN_COUNTS = ("created", "updated", "unchanged", "deleted", "holdings_created", "items_created")


class BatchWriter:
    """Writes one batch of pipeline results in one transaction and keeps the job's counts."""

    def __init__(self, library: Library, job: ImportJob,
                 original: Callable[[int, int], bytes | None] | None = None):
        self.library, self.job = library, job
        self.original = original or (lambda offset, length: None)

    def write(self, results: list[dict]) -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # A lost batch after a crash is simply imported again (imports are repeatable),
                # so this transaction need not wait for its WAL flush.
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Imports into one library take turns batch by batch, so each batch reads the
                # control numbers and barcodes the other import has committed and takes a clash
                # record by record; imports into other libraries do not wait.
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [WRITER_LOCK, self.library.pk])
            rejected = [r for r in results if r["status"] == "rejected"]
            ok = [r for r in results if r["status"] == "ok"]
            self.job.read += len(results)
            if ok and not self.job.detected_format:
                self.job.detected_format = ok[0]["flavour"]
            counts = self._counts()
            try:
                with transaction.atomic():
                    rejected += self._write_passes(ok)
            except CLASHES:
                # A writer that does not take the lock (a cataloguer adding an item) took a key
                # between our read and our write: the batch goes again one record at a time.
                self._restore(counts)
                rejected += self._write_one_by_one(ok)
            if rejected:
                self._quarantine(rejected)

    def _write_passes(self, ok: list[dict]) -> list[dict]:
        rejected = []
        # Records repeating a key already in this batch go to a later pass (in file order).
        while ok:
            seen, now, later = set(), [], []
            for r in ok:
                (later if r["key"] in seen else now).append(r)
                seen.add(r["key"])
            rejected += self._write(now)
            ok = later
        return rejected

    def _write_one_by_one(self, ok: list[dict]) -> list[dict]:
        """Each record in its own savepoint, read again after a clash: a control number written
        meanwhile makes the record a change of that instance, a barcode taken meanwhile rejects it
        with that reason. A record still clashing after a few tries is quarantined, never lost."""
        rejected = []
        for r in ok:
            for _attempt in range(3):
                r.pop("_rejected", None)
                r.pop("id", None)
                counts = self._counts()
                try:
                    with transaction.atomic():
                        rejected += self._write([r])
                    break
                except CLASHES as exc:
                    self._restore(counts)
                    error = exc
            else:
                rejected.append(self._rejection(r, _("the record could not be written: %(error)s")
                                                 % {"error": str(error).splitlines()[0]}))
        return rejected

    def _counts(self) -> dict[str, int]:
        return {name: getattr(self.job, name) for name in WRITTEN_COUNTS}

    def _restore(self, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            setattr(self.job, name, value)

    def _rejection(self, r: dict, reason: str) -> dict:
        # r["raw"] is the record converted for storage; quarantine keeps the file's bytes.
        raw = self.original(r["offset"], r["length"]) if "length" in r else None
        return {
            "status": "rejected", "position": r["position"], "offset": r["offset"],
            "raw": raw if raw is not None else r["raw"], "kind": r.get("kind", "iso2709"),
            "control_number": r["key"], "reason": reason,
        }

    def _quarantine(self, rejected: list[dict]) -> None:
        QuarantinedRecord.objects.bulk_create(
            QuarantinedRecord(
                job=self.job, position=r["position"], offset=r["offset"], raw=r["raw"], raw_kind=r["kind"],
                reason=r["reason"][:2000], control_number=r.get("control_number", "")[:100],
            )
            for r in rejected
        )
        self.job.rejected += len(rejected)

    def _write(self, results: list[dict]) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT control_number, id, fingerprint, deleted FROM catalogue_instance "
                "WHERE control_number = ANY(%s) AND control_number <> ''",
                [[r["key"] for r in results]],
            )
            existing = {cn: (pk, fp, deleted) for cn, pk, fp, deleted in cursor.fetchall()}
        creates, updates, withdrawals = [], [], []
        for r in results:
            found = existing.get(r["key"])
            if r["deleted"]:
                if found and not found[2]:
                    withdrawals.append(found[0])
                else:
                    self.job.unchanged += 1
            elif found is None:
                creates.append(r)
            elif found[1] == r["fingerprint"] and not found[2]:
                self.job.unchanged += 1
            else:
                r["id"] = found[0]
                updates.append(r)
        rejected = self._check_barcodes(creates, updates)
        created_ids = self._create(creates)
        updated_ids = self._update(updates)
        if withdrawals:
            Instance.objects.filter(id__in=withdrawals).update(deleted=True, updated_at=timezone.now())
            record_changes(withdrawals, "delete", library=self.library)
            self.job.deleted += len(withdrawals)
        if created_ids or updated_ids:
            record_changes(created_ids + updated_ids, "upsert", library=self.library)
        self.job.created += len(created_ids)
        self.job.updated += len(updated_ids)
        return rejected

    def _check_barcodes(self, creates: list[dict], updates: list[dict]) -> list[dict]:
        """Records whose item barcodes belong to another instance are rejected (never silently moved)."""
        records = creates + updates
        barcodes = {r_id: [i["barcode"] for h in r["holdings"] for i in h["items"] if i["barcode"]]
                    for r_id, r in ((id(r), r) for r in records)}
        wanted = {b for codes in barcodes.values() for b in codes}
        if not wanted:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.barcode, h.instance_id FROM catalogue_item i "
                "JOIN catalogue_holdingsrecord h ON h.id = i.holdings_id WHERE i.barcode = ANY(%s)",
                [list(wanted)],
            )
            owners = dict(cursor.fetchall())
        claimed: dict[str, int] = {}
        rejected = []
        for r in records:
            conflict = None
            for barcode in barcodes[id(r)]:
                owner = owners.get(barcode)
                if (owner is not None and owner != r.get("id")) or claimed.get(barcode, id(r)) != id(r):
                    conflict = barcode
                    break
            if conflict:
                r["_rejected"] = True
                rejected.append(self._rejection(
                    r, _("item barcode %(barcode)s is already used by another record") % {"barcode": conflict}))
            else:
                for barcode in barcodes[id(r)]:
                    claimed[barcode] = id(r)
        return rejected

    def _create(self, creates: list[dict]) -> list[int]:
        creates = [r for r in creates if not r.get("_rejected")]
        now = timezone.now().isoformat()
        ids = _insert(Instance, "instance", INSTANCE_COPY, [
            f"{now}\t{now}\t\\\\x{r['raw'].hex()}\t{r['line']}" for r in creates
        ])
        self._create_holdings([(pk, h) for pk, r in zip(ids, creates, strict=True) for h in r["hlines"]])
        return ids

    def _create_holdings(self, pairs: list[tuple[int, tuple[str, list[str]]]]) -> list[int]:
        """Holdings (prepared line, item lines) under the given instance ids; returns the new ids."""
        now = timezone.now().isoformat()
        ids = _insert(HoldingsRecord, "holdings", HOLDINGS_COPY, [
            f"{iid}\t{now}\t{now}\t{hline}" for iid, (hline, _items) in pairs
        ])
        self.job.holdings_created += len(ids)
        self._create_items([
            (pk, iline) for pk, (_iid, (_h, ilines)) in zip(ids, pairs, strict=True) for iline in ilines
        ])
        return ids

    def _create_items(self, pairs: list[tuple[int, str]]) -> None:
        now = timezone.now().isoformat()
        ids = _insert(Item, "item", ITEM_COPY, [f"{hid}\t{now}\t{now}\t{iline}" for hid, iline in pairs])
        self.job.items_created += len(ids)

    def _update(self, updates: list[dict]) -> list[int]:
        """Changed records: their prepared lines replace the stored rows in one UPDATE."""
        updates = [r for r in updates if not r.get("_rejected")]
        if not updates:
            return []
        now = timezone.now().isoformat()
        # The library's own suppression from discovery is not the source record's to change.
        update_lines(Instance._meta.db_table, ["id", "updated_at", "raw_record", *INSTANCE_COLUMNS], [
            f"{r['id']}\t{now}\t\\\\x{r['raw'].hex()}\t{r['line']}\n" for r in updates
        ], keep=("discovery_suppress",))
        self._reconcile_holdings(updates, now)
        return [r["id"] for r in updates]

    def _reconcile_holdings(self, updates: list[dict], now: str) -> None:
        """Add new holdings and items, update known ones (matched on location + call number and
        on barcode). Existing items are never deleted here, and their status is left alone:
        circulation drives it."""
        ids = [r["id"] for r in updates]
        existing_h = {
            (iid, location, call_number): (pk, notes)
            for pk, iid, location, call_number, notes in HoldingsRecord.objects.filter(instance_id__in=ids)
            .values_list("id", "instance_id", "location", "call_number", "notes")
        }
        existing_items = dict(
            Item.objects.filter(holdings__instance_id__in=ids, barcode__isnull=False).values_list("barcode", "id")
        )
        new_holdings, holdings_updates, item_updates, new_items = [], [], [], []
        for r in updates:
            for h in r["holdings"]:
                found = existing_h.get((r["id"], h["location"], h["call_number"]))
                if found is None:
                    # Items already known (by barcode) move to the new holdings after it is created.
                    fresh = [i for i in h["items"] if not (i["barcode"] and i["barcode"] in existing_items)]
                    moved = [i for i in h["items"] if i["barcode"] and i["barcode"] in existing_items]
                    new_holdings.append((r["id"], {**h, "items": fresh}, moved))
                    continue
                holdings_id, notes = found
                if notes != h["notes"]:
                    holdings_updates.append(f"{holdings_id}\t{now}\t{copy_field(h['notes'])}\n")
                for item in h["items"]:
                    item_id = existing_items.get(item["barcode"]) if item["barcode"] else None
                    if item_id is not None:
                        item_updates.append(_item_update(item_id, holdings_id, item, now))
                    elif item["barcode"]:
                        new_items.append((holdings_id, item))
        new_ids = self._create_holdings(
            [(iid, (holdings_line(h), [item_line(i) for i in h["items"]])) for iid, h, _moved in new_holdings]
        )
        for holdings_id, (_iid, _h, moved) in zip(new_ids, new_holdings, strict=True):
            item_updates += [_item_update(existing_items[i["barcode"]], holdings_id, i, now) for i in moved]
        self._create_items([(hid, item_line(item)) for hid, item in new_items])
        update_lines(HoldingsRecord._meta.db_table, ["id", "updated_at", "notes"], holdings_updates)
        update_lines(Item._meta.db_table, ["id", "holdings_id", "updated_at", *ITEM_UPDATE_COLUMNS], item_updates)


# Item columns a re-import refreshes (never status, barcode or suppression: the library's own).
ITEM_UPDATE_COLUMNS = ["reference_only", "volume", "copy_number", "price", "acquired_on"]


def _item_update(item_id: int, holdings_id: int, item: dict, now: str) -> str:
    values = item_line(item).split("\t")  # in ITEM_COLUMNS order
    refreshed = "\t".join(values[ITEM_COLUMNS.index(c)] for c in ITEM_UPDATE_COLUMNS)
    return f"{item_id}\t{holdings_id}\t{now}\t{refreshed}\n"
