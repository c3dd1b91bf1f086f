"""Importing into a member's schema against real PostgreSQL: counts, repeatability, withdrawal,
quarantine, holdings and items, the change outbox."""

from __future__ import annotations

import io

import pymarc
import pytest
from django_tenants.utils import tenant_context

from marc_import.exceptions import BadOption, SourceNotFound, UnknownProfile
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.services.importer import import_file
from tenants.catalogue.models import HoldingsRecord, Instance, Item
from tenants.models import CatalogueChange
from tests.marc_import.conftest import FILES, INPUT

# bad.dat is not MARC at all (a text printout of records): its job fails, see test_not_marc_files.
ALL_FILES = sorted(p for p in FILES.iterdir() if p.name != "bad.dat")


def assert_adds_up(job: ImportJob) -> None:
    assert job.status == ImportJob.Status.DONE
    assert job.read == job.created + job.updated + job.unchanged + job.deleted + job.rejected


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL_FILES, ids=[p.name for p in ALL_FILES])
def test_every_sample_file_imports_with_counts_that_add_up(library_a, path):
    job = import_file(library_a, path)
    assert_adds_up(job)
    assert job.read > 0
    with tenant_context(library_a):
        assert QuarantinedRecord.objects.filter(job=job).count() == job.rejected
        assert Instance.objects.count() == job.created


@pytest.mark.django_db
def test_cnmarc_gb18030_lands_with_holdings_items_and_outbox_rows(library_a):
    job = import_file(library_a, FILES / "sample_cnmarcxml.DERIVED.gb18030.iso")
    assert (job.read, job.created, job.rejected) == (10, 10, 0)
    assert job.detected_format == "unimarc"
    with tenant_context(library_a):
        inst = Instance.objects.get(control_number="990002180740203961")
        assert inst.title == "'94中国发展报告"
        assert inst.source_encoding == "gbk"
        assert inst.hrid.startswith("in")
        assert bytes(inst.raw_record).decode("utf-8")  # stored as UTF-8 ISO 2709
        holdings = HoldingsRecord.objects.get(instance=inst)
        assert holdings.call_number == "F124/26"
        assert sorted(Item.objects.filter(holdings=holdings).values_list("barcode", flat=True)) == [
            "1683011", "1683012", "1683013"]
        assert job.items_created == Item.objects.count()
    changes = CatalogueChange.objects.filter(library=library_a, op="upsert")
    assert changes.count() == 10


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(library_a):
    first = import_file(library_a, FILES / "sample_cnmarcxml.DERIVED.utf8.iso")
    with tenant_context(library_a):
        stamps = dict(Instance.objects.values_list("id", "updated_at"))
    outbox = CatalogueChange.objects.count()
    again = import_file(library_a, FILES / "sample_cnmarcxml.DERIVED.utf8.iso")
    assert (first.created, again.created, again.updated, again.unchanged) == (10, 0, 0, 10)
    assert CatalogueChange.objects.count() == outbox
    with tenant_context(library_a):
        assert dict(Instance.objects.values_list("id", "updated_at")) == stamps
    # The same records in another encoding and container are the same data: still no change.
    xml = import_file(library_a, FILES / "sample_cnmarcxml.xml")
    assert xml.unchanged == 10


def _record(cn: str, title: str, status: str = "n", barcode: str | None = None) -> bytes:
    rec = pymarc.Record(force_utf8=True, leader=f"00000{status}am a2200000 a 4500")
    rec.add_field(pymarc.Field(tag="001", data=cn))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                               subfields=[pymarc.Subfield("a", title)]))
    if barcode:
        rec.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=[
            pymarc.Subfield("a", "MAIN"), pymarc.Subfield("o", "I247.5/1"), pymarc.Subfield("p", barcode)]))
    return rec.as_marc()


@pytest.mark.django_db
def test_changed_record_updates_and_leader_d_withdraws(library_a):
    import_file(library_a, io.BytesIO(_record("c1", "旧书名") + _record("c2", "Second", barcode="X1")))
    outbox = CatalogueChange.objects.count()
    job = import_file(library_a, io.BytesIO(_record("c1", "新书名") + _record("c2", "Second", "d")))
    assert (job.read, job.updated, job.deleted, job.created, job.unchanged) == (2, 1, 1, 0, 0)
    with tenant_context(library_a):
        c1 = Instance.objects.get(control_number="c1")
        assert c1.title == "新书名"
        c2 = Instance.objects.get(control_number="c2")
        assert c2.deleted is True
        assert Item.objects.get(barcode="X1").holdings.instance_id == c2.pk
    ops = sorted(CatalogueChange.objects.order_by("id")[outbox:].values_list("instance_id", "op"))
    assert ops == sorted([(c1.pk, "upsert"), (c2.pk, "delete")])
    # Withdrawing again is no change; a withdrawn record that comes back is an update.
    again = import_file(library_a, io.BytesIO(_record("c2", "Second", "d")))
    assert again.unchanged == 1
    back = import_file(library_a, io.BytesIO(_record("c2", "Second", "c")))
    assert back.updated == 1
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="c2").deleted is False


@pytest.mark.django_db
def test_repeated_control_number_in_one_file_is_created_then_updated(library_a):
    job = import_file(library_a, io.BytesIO(_record("dup", "One") + _record("dup", "Two")))
    assert (job.created, job.updated) == (1, 1)
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="dup").title == "Two"


@pytest.mark.django_db
def test_barcode_used_by_another_record_quarantines_that_record(library_a):
    job = import_file(library_a, io.BytesIO(_record("b1", "A", barcode="SAME") + _record("b2", "B", barcode="SAME")))
    assert (job.created, job.rejected) == (1, 1)
    with tenant_context(library_a):
        q = QuarantinedRecord.objects.get(job=job)
        assert "SAME" in q.reason and q.position == 2


@pytest.mark.django_db
def test_broken_records_are_quarantined_with_position_bytes_and_reason(library_a):
    path = FILES / "bad_records.mrc"
    job = import_file(library_a, path)
    assert_adds_up(job)
    assert job.rejected >= 5
    data = path.read_bytes()
    with tenant_context(library_a):
        for q in QuarantinedRecord.objects.filter(job=job):
            assert q.reason
            assert bytes(q.raw) and bytes(q.raw) in data
            assert data.index(bytes(q.raw)) == q.offset


@pytest.mark.django_db
def test_records_without_001_match_on_a_stable_key(library_a):
    rec = pymarc.Record(force_utf8=True)
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"), subfields=[pymarc.Subfield("a", "No number")]))
    first = import_file(library_a, io.BytesIO(rec.as_marc()))
    again = import_file(library_a, io.BytesIO(rec.as_marc()))
    assert (first.created, again.unchanged) == (1, 1)


@pytest.mark.django_db
def test_parsing_in_a_worker_process_gives_the_same_result(library_a, library_b):
    path = FILES / "pride-and-prejudice-with-many-errors.mrc"
    inline = import_file(library_a, path, use_worker=False)
    worker = import_file(library_b, path, use_worker=True)
    assert inline.counts() | {"job": 0} == worker.counts() | {"job": 0}
    assert_adds_up(worker)


@pytest.mark.django_db
def test_explicit_options_are_checked_and_used(library_a):
    with pytest.raises(BadOption):
        import_file(library_a, FILES / "test.dat", format="mods")
    with pytest.raises(BadOption):
        import_file(library_a, FILES / "test.dat", encoding="latin-9")
    with pytest.raises(UnknownProfile):
        import_file(library_a, FILES / "test.dat", profile="nope")
    with pytest.raises(SourceNotFound):
        import_file(library_a, FILES / "missing.mrc")
    # Forcing UTF-8 on GBK bytes rejects every record instead of writing mojibake.
    job = import_file(library_a, FILES / "sample_cnmarcxml.DERIVED.gb18030.iso", encoding="utf-8")
    assert (job.read, job.rejected) == (10, 10)
    forced = import_file(library_a, FILES / "sample_cnmarcxml.DERIVED.gb18030.iso", encoding="gbk", profile="none")
    assert forced.created == 10 and forced.items_created == 0


@pytest.mark.django_db
def test_ucs2_file_imports(library_a):
    job = import_file(library_a, INPUT / "cnmarc_ucs2.mrc")
    assert (job.read, job.created) == (2, 2)
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="990002181190203961").source_encoding == "ucs-2"


def _with_items(cn: str, title: str, items: list[tuple[str, str, str]], note: str = "") -> bytes:
    """A MARC 21 record with Koha 952 items: (barcode, call number, price)."""
    rec = pymarc.Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    rec.add_field(pymarc.Field(tag="001", data=cn))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                               subfields=[pymarc.Subfield("a", title)]))
    for barcode, call_number, price in items:
        subs = [pymarc.Subfield("a", "MAIN"), pymarc.Subfield("o", call_number), pymarc.Subfield("p", barcode),
                pymarc.Subfield("g", price)]
        if note:
            subs.append(pymarc.Subfield("z", note))
        rec.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=subs))
    return rec.as_marc()


@pytest.mark.django_db
def test_reimport_refreshes_items_but_leaves_circulation_status_alone(library_a):
    first = import_file(library_a, io.BytesIO(_with_items("r1", "Old", [("B1", "I247.5/1", "10.00")])))
    assert (first.created, first.items_created) == (1, 1)
    with tenant_context(library_a):
        Item.objects.filter(barcode="B1").update(status="checked_out")
        item_id = Item.objects.get(barcode="B1").pk
    changed = _with_items("r1", "New", [("B1", "I247.5/1", "12.50"), ("B2", "I247.5/1", "8.00"),
                                        ("B3", "K220/7", "5.00")])
    job = import_file(library_a, io.BytesIO(changed))
    assert (job.updated, job.items_created, job.holdings_created) == (1, 2, 1)
    with tenant_context(library_a):
        instance = Instance.objects.get(control_number="r1")
        assert instance.title == "New"
        b1 = Item.objects.get(barcode="B1")
        assert (b1.pk, str(b1.price), b1.status) == (item_id, "12.50", "checked_out")
        assert Item.objects.get(barcode="B2").holdings_id == b1.holdings_id
        assert Item.objects.get(barcode="B3").holdings.call_number == "K220/7"
    # B1 moves to another call number: the same item row follows it to new holdings.
    moved = import_file(library_a, io.BytesIO(_with_items("r1", "New", [("B1", "K221/1", "12.50")])))
    assert (moved.updated, moved.holdings_created, moved.items_created) == (1, 1, 0)
    with tenant_context(library_a):
        b1 = Item.objects.get(barcode="B1")
        assert (b1.pk, b1.holdings.call_number, b1.status) == (item_id, "K221/1", "checked_out")
        assert Item.objects.filter(holdings__instance=instance).count() == 3  # never deleted


@pytest.mark.django_db
def test_reimport_keeps_the_librarys_own_suppression(library_a):
    import_file(library_a, io.BytesIO(_record("s1", "Shown")))
    with tenant_context(library_a):
        Instance.objects.filter(control_number="s1").update(discovery_suppress=True)
    job = import_file(library_a, io.BytesIO(_record("s1", "Changed")))
    assert job.updated == 1
    with tenant_context(library_a):
        instance = Instance.objects.get(control_number="s1")
        assert (instance.title, instance.discovery_suppress) == ("Changed", True)


@pytest.mark.django_db
def test_a_daemonic_process_such_as_a_celery_worker_imports_without_a_pool(library_a, monkeypatch):
    """Celery's prefork workers are daemonic and may not start processes: a large file is then
    parsed in the worker process itself instead of failing."""
    import multiprocessing

    path = FILES / "pride-and-prejudice-with-many-errors.mrc"
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    job = import_file(library_a, path, use_worker=True)
    assert job.status == ImportJob.Status.DONE
    assert_adds_up(job)
    assert job.created > 0
