"""Two imports into the same library at once both finish and lose no record: a control number both
files carry ends as one instance (the later writer sees it and applies its record as a change), and
of two records claiming one item barcode the later is quarantined with the barcode as its reason."""

from __future__ import annotations

import io
import time

import pymarc
import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from core import outbox
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.services.importer import import_file
from tenants.catalogue.models import HoldingsRecord, Instance, Item
from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
from tenants.catalogue.services.hrid import next_hrids
from tests.concurrency import race

SHARED, OWN, CLASHES, CHANGED = 900, 700, 60, 120


def record(cn: str, title: str, barcode: str) -> bytes:
    rec = pymarc.Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    rec.add_field(pymarc.Field(tag="001", data=cn))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                               subfields=[pymarc.Subfield("a", title)]))
    rec.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=[
        pymarc.Subfield("a", "MAIN"), pymarc.Subfield("o", f"I247/{cn}"), pymarc.Subfield("p", barcode)]))
    return rec.as_marc()


def a_file(side: str) -> bytes:
    """Records in a mixed order, so both writers meet the shared ones in every batch.

    shared: the same record in both files; own: only in this file; clash: this file's own control
    number with a barcode the other file gives another record; changed: the same control number
    with this file's title and its own barcode.
    """
    records = []
    for i in range(max(SHARED, OWN, CLASHES, CHANGED)):
        if i < SHARED:
            records.append(record(f"shared-{i}", f"Shared {i}", f"S-{i}"))
        if i < OWN:
            records.append(record(f"{side}-{i}", f"Own {side} {i}", f"{side.upper()}-{i}"))
        if i < CLASHES:
            records.append(record(f"{side}-clash-{i}", f"Clash {side} {i}", f"X-{i}"))
        if i < CHANGED:
            records.append(record(f"changed-{i}", f"Changed by {side} {i}", f"C{side.upper()}-{i}"))
    return b"".join(records)


@pytest.fixture
def no_inline_union_drain():
    """Tests run Celery tasks inline, so every batch's commit would run the union drain in the
    importing thread; in production a worker does that, and these imports race each other only."""
    wakers = outbox.consumers(CATALOGUE_OUTBOX)
    outbox.unregister_consumers(CATALOGUE_OUTBOX)
    yield
    for wake in wakers:
        outbox.register_consumer(CATALOGUE_OUTBOX, wake)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_inline_union_drain")
def test_two_imports_of_overlapping_files_both_finish_and_lose_no_record(library_a):
    files = {"a": a_file("a"), "b": a_file("b")}

    def importer(side):
        def run(barrier):
            barrier.wait()
            return import_file(library_a, io.BytesIO(files[side]), source_name=side, use_worker=False)
        return run

    results = race(importer("a"), importer("b"))

    assert not [r for r in results if isinstance(r, Exception)], results
    per_file = SHARED + OWN + CLASHES + CHANGED
    with tenant_context(library_a):
        jobs = list(ImportJob.objects.filter(pk__in=[r.pk for r in results]))
        assert [j.status for j in jobs] == ["done", "done"]
        for job in jobs:
            assert job.read == per_file
            assert job.read == job.created + job.updated + job.unchanged + job.deleted + job.rejected
        # Every distinct control number is one instance, or a quarantined record of a lost clash.
        numbers = list(Instance.objects.values_list("control_number", flat=True))
        assert len(numbers) == len(set(numbers)) == sum(j.created for j in jobs)
        quarantined = list(QuarantinedRecord.objects.values_list("control_number", "reason"))
        assert len(quarantined) == CLASHES == sum(j.rejected for j in jobs)
        wanted = ({f"shared-{i}" for i in range(SHARED)} | {f"changed-{i}" for i in range(CHANGED)}
                  | {f"{s}-{i}" for s in "ab" for i in range(OWN)}
                  | {f"{s}-clash-{i}" for s in "ab" for i in range(CLASHES)})
        assert set(numbers) | {cn for cn, _reason in quarantined} == wanted
        assert not set(numbers) & {cn for cn, _reason in quarantined}
        # Each clashing barcode went to exactly one record; the other names it as its reason.
        for cn, reason in quarantined:
            i = cn.rsplit("-", 1)[1]
            assert f"X-{i}" in reason, reason
            assert Item.objects.filter(barcode=f"X-{i}").count() == 1
        # The same record twice is one write; the same control number with other data is a change.
        assert sum(j.unchanged for j in jobs) == SHARED
        assert sum(j.updated for j in jobs) == CHANGED
        for i in (0, CHANGED - 1):
            instance = Instance.objects.get(control_number=f"changed-{i}")
            assert set(Item.objects.filter(holdings__instance=instance).values_list("barcode", flat=True)) == {
                f"CA-{i}", f"CB-{i}"}


def wait_until_another_backend_waits_on_a_lock(timeout: float = 20.0) -> None:
    with connection.cursor() as cursor:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is read once and kept unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the import never waited on the cataloguer's barcode")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_inline_union_drain")
def test_a_barcode_another_writer_takes_during_a_batch_rejects_only_that_record(library_a):
    """A cataloguer adding an item does not take the import's lock: the barcode is free when the
    import reads and taken when it writes. Only the record claiming it is lost to quarantine."""
    import_file(library_a, io.BytesIO(record("kept", "Kept", "K-1")))
    data = b"".join(record(f"new-{i}", f"New {i}", f"N-{i}") for i in range(20))
    data += record("late", "Late", "TAKEN") + record("new-0", "New 0 again", "N-0")

    def cataloguer(barrier):
        with tenant_context(library_a), transaction.atomic():
            holdings = HoldingsRecord.objects.create(hrid=next_hrids("holdings", 1)[0],
                                                     instance=Instance.objects.get(control_number="kept"))
            Item.objects.create(hrid=next_hrids("item", 1)[0], holdings=holdings, barcode="TAKEN")
            barrier.wait()
            wait_until_another_backend_waits_on_a_lock()  # the import's COPY, on our barcode

    def importer(barrier):
        barrier.wait()
        return import_file(library_a, io.BytesIO(data), source_name="late", use_worker=False)

    waited, job = race(cataloguer, importer)

    assert waited is None and not isinstance(job, Exception), (waited, job)
    assert (job.status, job.read, job.created, job.updated, job.rejected) == ("done", 22, 20, 1, 1)
    with tenant_context(library_a):
        (reason,) = QuarantinedRecord.objects.filter(job=job).values_list("reason", flat=True)
        assert "TAKEN" in reason
        assert not Instance.objects.filter(control_number="late").exists()
        assert Instance.objects.get(control_number="new-0").title == "New 0 again"
        assert Instance.objects.count() == 21
