"""Shared cataloguing: find a union record, copy it into the local catalogue, add items, propose
improvements to a master record, accept or reject them, keep and restore every version.

The master record lives in its library's own catalogue; an accepted proposal (or a restore)
changes that Instance and goes through the same outbox and clustering as any local edit, in the
same transaction, so the union record, its version history and the search outbox move together.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pymarc
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.exceptions import Conflict, NotFound, PermissionDenied, UserError
from core.isbn import compact, isbn13
from core.workflow import transition
from marc_import.public import public_record
from tenants.catalogue.services.changes import record_changes
from tenants.catalogue.services.hrid import next_hrids
from tenants.models import Library, Role
from tenants.services import access
from union.models import (
    ConsortiumPolicy,
    EditLock,
    Proposal,
    ProposalStatusChange,
    UnionRecord,
    UnionRecordVersion,
)
from union.services import access as union_access
from union.services import clustering
from union.services.records import read_members
from union.workflow import PROPOSAL

# Fields a proposal may change (identifiers and volume/edition data change matching; those are
# corrected in the owning library's catalogue).
EDITABLE_FIELDS = (
    "title", "other_title", "parallel_titles", "responsibility", "authors", "publisher", "place", "year",
    "extent", "series", "languages", "clc", "subjects", "summary",
)
LIST_FIELDS = {"parallel_titles", "authors", "series", "languages", "clc", "subjects"}


# --- Finding records ---------------------------------------------------------------------


def search(q: str = "", *, isbn: str = "", library: Library | None = None, material_type: str = "",
           year: int | None = None, include_deleted: bool = False):
    """A simple database filter over union records (full-text search is the search app's)."""
    qs = UnionRecord.objects.all()
    if not include_deleted:
        qs = qs.filter(deleted=False)
    if q:
        q = q.strip()
        cond = Q(urid=q)
        # Simplified and traditional forms of the query both find the record.
        for form in {q, _convert("t2s", q), _convert("s2t", q)}:
            cond |= Q(title__icontains=form) | Q(responsibility__icontains=form) | Q(publisher__icontains=form)
        qs = qs.filter(cond)
    if isbn:
        normal = isbn13(isbn) or compact(isbn)
        qs = qs.filter(isbns__contains=[normal])
    if library is not None:
        qs = qs.filter(holdings__library=library)
    if material_type:
        qs = qs.filter(material_type=material_type)
    if year:
        qs = qs.filter(year=year)
    return qs.distinct().order_by("title", "id")


def _convert(direction: str, text: str) -> str:
    from opencc import OpenCC

    return OpenCC(direction).convert(text)


def get_record(urid: str) -> UnionRecord:
    record = UnionRecord.objects.filter(urid=urid).select_related("master_library").first()
    if record is None:
        raise NotFound(_("No union record has the id %(urid)s.") % {"urid": urid})
    return record


# --- Permissions -------------------------------------------------------------------------


def can_view(user) -> bool:
    """Readers and staff of any member library, and coordinators, may view union records."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or user.memberships.exists()


def require_cataloguer(user, library: Library) -> None:
    if not access.has_role(user, library, Role.CATALOGUER):
        raise PermissionDenied(_("Only cataloguers of %(library)s may change its catalogue.") % {"library": library})


def require_some_cataloguer(user) -> None:
    """Copy, lock and propose are for cataloguers of some library (or coordinators); others are refused first."""
    if not (access.is_coordinator(user) or access.libraries_with_role(user, Role.CATALOGUER).exists()):
        raise PermissionDenied(_("Only cataloguers may do this."))


def is_owner(user, union_record: UnionRecord) -> bool:
    library = union_record.master_library
    return library is not None and bool(access.roles_in(user, library) & {Role.CATALOGUER, Role.LIBRARY_ADMIN})


def is_record_coordinator(user, union_record: UnionRecord) -> bool:
    # The same region rule as cluster care, so deciding proposals and breaking locks follow it too.
    return union_access.may_coordinate(user, union_record)


def can_decide(user, union_record: UnionRecord) -> bool:
    policy = ConsortiumPolicy.current().proposal_approval
    owner, coordinator = is_owner(user, union_record), is_record_coordinator(user, union_record)
    if policy == ConsortiumPolicy.Approval.OWNER:
        return owner
    if policy == ConsortiumPolicy.Approval.COORDINATOR:
        return coordinator
    return owner or coordinator


# --- Copy cataloguing --------------------------------------------------------------------


def _marc_for_copy(union_record: UnionRecord) -> bytes:
    """The master record for the copying library: its bibliographic fields only.

    The master library's holdings, items (barcodes, prices) and staff notes stay with it, and
    the union holdings summary is no business of the copy: the copier adds its own items.
    """
    from union.services.export import to_iso2709

    if union_record.marc:
        try:
            record = pymarc.Record(data=bytes(union_record.marc), force_utf8=True, utf8_handling="replace")
        except Exception:  # noqa: BLE001 - a damaged master still yields the mapped fields below
            record = None
        if record is not None:
            return public_record(record, union_record.record_format).as_marc()
    return to_iso2709(union_record, union_record.record_format, holdings=[])


@transaction.atomic
def copy_to_library(union_record: UnionRecord, library: Library, user) -> int:
    """Create an Instance in ``library`` from ``union_record``; returns its id."""
    from tenants.catalogue.models import Instance

    require_cataloguer(user, library)
    if union_record.deleted:
        raise Conflict(_("This union record is no longer held by any member."), code="deleted")
    if union_record.holdings.filter(library=library).exists():
        raise Conflict(_("%(library)s already holds this record.") % {"library": library}, code="already_held")
    fields = {name: getattr(union_record, name) for name in (
        "record_format", "title", "other_title", "parallel_titles", "volume", "responsibility", "authors", "edition",
        "publisher", "place", "year", "extent", "series", "issns", "languages", "clc", "subjects", "summary",
        "material_type")}
    fields["isbns"] = [{"value": i, "isbn13": i, "valid": True, "qualifier": ""} for i in union_record.isbns]
    numbers = [c for c in union_record.control_numbers if str(c.get("type")) not in ("001", "035")]
    fields["control_numbers"] = numbers + [{"type": "union", "value": union_record.urid}]
    fields["raw_record"] = _marc_for_copy(union_record)
    fields["source_encoding"] = "utf-8"
    fields["fingerprint"] = hashlib.sha256(json.dumps(
        {k: v for k, v in fields.items() if k != "raw_record"}, sort_keys=True, ensure_ascii=False, default=str
    ).encode()).hexdigest()
    with schema_context(library.schema_name):
        instance = Instance.objects.create(hrid=next_hrids("instance", 1)[0], **fields)
        record_changes([instance.pk], "upsert", library=library)
    connection.set_schema_to_public()
    return instance.pk


@transaction.atomic
def add_item(library: Library, instance_id: int, user, *, barcode: str = "", call_number: str = "",
             location: str = "", reference_only: bool = False) -> dict:
    from tenants.catalogue.models import HoldingsRecord, Instance, Item

    require_cataloguer(user, library)
    with schema_context(library.schema_name):
        if not Instance.objects.filter(pk=instance_id, deleted=False).exists():
            raise NotFound(_("No such instance in this library."))
        if barcode and Item.objects.filter(barcode=barcode).exists():
            raise Conflict(_("The barcode %(barcode)s is already in use.") % {"barcode": barcode}, code="barcode")
        holdings = HoldingsRecord.objects.filter(instance_id=instance_id, call_number=call_number,
                                                 location=location).first()
        if holdings is None:
            holdings = HoldingsRecord.objects.create(hrid=next_hrids("holdings", 1)[0], instance_id=instance_id,
                                                     call_number=call_number, location=location)
        item = Item.objects.create(hrid=next_hrids("item", 1)[0], holdings=holdings, barcode=barcode or None,
                                   reference_only=reference_only)
        record_changes([instance_id], "holdings", library=library)
    connection.set_schema_to_public()
    return {"item_id": item.pk, "item_hrid": item.hrid, "holdings_id": holdings.pk, "barcode": item.barcode}


# --- Edit locks --------------------------------------------------------------------------


def _lock_message(lock: EditLock) -> str:
    who = lock.user.get_full_name() or lock.user.username
    where = lock.library.name if lock.library else ""
    until = timezone.localtime(lock.expires_at).strftime("%H:%M")
    return _("This record is being edited by %(who)s (%(where)s) until %(until)s; try again later.") % {
        "who": who, "where": where, "until": until}


def check_lock(union_record: UnionRecord, user) -> None:
    lock = EditLock.objects.filter(union_record=union_record, expires_at__gt=timezone.now()).select_related(
        "user", "library").first()
    if lock is not None and lock.user_id != user.pk:
        raise Conflict(_lock_message(lock), code="locked")


@transaction.atomic
def acquire_lock(union_record: UnionRecord, user, library: Library | None = None) -> EditLock:
    UnionRecord.objects.select_for_update().filter(pk=union_record.pk).first()
    check_lock(union_record, user)
    minutes = ConsortiumPolicy.current().lock_minutes
    lock, _created = EditLock.objects.update_or_create(
        union_record=union_record,
        defaults={"user": user, "library": library, "expires_at": timezone.now() + timedelta(minutes=minutes)},
    )
    return lock


def release_lock(union_record: UnionRecord, user) -> None:
    require_some_cataloguer(user)  # only who could hold a lock may release one, held or not
    lock = EditLock.objects.filter(union_record=union_record).first()
    if lock is None:
        return
    if lock.user_id != user.pk and not is_record_coordinator(user, union_record) and lock.expires_at > timezone.now():
        raise Conflict(_lock_message(lock), code="locked")
    lock.delete()


# --- Proposals ---------------------------------------------------------------------------


def _clean_value(name: str, value):
    if name == "year":
        if value in (None, ""):
            return None
        try:
            year = int(value)
        except (TypeError, ValueError):
            raise UserError(_("The year must be a number."), code="bad_year") from None
        if not 0 < year < 3000:
            raise UserError(_("The year must be a number."), code="bad_year")
        return year
    if name == "authors":
        if not isinstance(value, list):
            raise UserError(_("Authors must be a list."), code="bad_value")
        out = []
        for author in value:
            if isinstance(author, str):
                author = {"name": author, "role": "", "type": "personal"}
            if not isinstance(author, dict) or not str(author.get("name", "")).strip():
                raise UserError(_("Every author needs a name."), code="bad_value")
            out.append({"name": str(author["name"]).strip(), "role": str(author.get("role", "")),
                        "type": author.get("type") if author.get("type") in ("personal", "corporate") else "personal"})
        return out
    if name in LIST_FIELDS:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(";")]
        if not isinstance(value, list):
            raise UserError(_("%(field)s must be a list.") % {"field": name}, code="bad_value")
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise UserError(_("%(field)s must be text.") % {"field": name}, code="bad_value")
    return str(value).strip()


def diff_changes(union_record: UnionRecord, values: dict) -> dict:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise UserError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)},
                        code="bad_field")
    changes = {}
    for name, value in values.items():
        new = _clean_value(name, value)
        old = getattr(union_record, name)
        if new != old:
            changes[name] = [old, new]
    return changes


@transaction.atomic
def propose(union_record: UnionRecord, user, library: Library, values: dict, comment: str = "") -> Proposal:
    require_cataloguer(user, library)
    if union_record.deleted:
        raise Conflict(_("This union record is no longer held by any member."), code="deleted")
    check_lock(union_record, user)
    changes = diff_changes(union_record, values)
    if not changes:
        raise UserError(_("The proposal changes nothing."), code="no_change")
    return Proposal.objects.create(union_record=union_record, base_version=union_record.version, changes=changes,
                                   comment=comment, proposed_by=user, library=library)


def _apply_to_master(union_record: UnionRecord, values: dict, user, kind: str) -> None:
    """Write ``values`` into the master Instance and bring the union record up to date now."""
    from tenants.catalogue.models import Instance

    library = union_record.master_library
    if library is None:
        raise Conflict(_("This union record has no master record."), code="no_master")
    with schema_context(library.schema_name):
        instance = Instance.objects.select_for_update().filter(pk=union_record.master_instance_id).first()
        if instance is None:
            raise Conflict(_("The master record no longer exists; try again shortly."), code="no_master")
        for name, value in values.items():
            setattr(instance, name, value)
        fields = [*values, "updated_at"]
        if instance.raw_record:
            # The stored MARC says the same as the fields (export, SRU and OAI-PMH serve it).
            from marc_import.services.export import patch_source_record

            instance.raw_record = patch_source_record(instance, values)
            fields.append("raw_record")
        instance.save(update_fields=fields)
        record_changes([instance.pk], "upsert", library=library)
    members = read_members(library, [union_record.master_instance_id])
    connection.set_schema_to_public()
    acting_for = library if is_owner(user, union_record) else None
    clustering.place(members[union_record.master_instance_id],
                     actor={"kind": kind, "user": user, "library": acting_for})


def _may_decide(proposal: Proposal, action: str, user, union_record: UnionRecord) -> None:
    # Permission first: an outsider is not told whether the proposal is still open.
    if not can_decide(user, union_record):
        raise PermissionDenied(_("Only the master record's library or a coordinator may decide (consortium policy)."))
    refusal = PROPOSAL.refusal(action, proposal.status)
    if refusal:
        raise Conflict(refusal[0], code=refusal[1])


def _decide(proposal: Proposal, action: str, user, note: str, union_record: UnionRecord) -> None:
    """Apply ``action`` of the proposal table; of two concurrent decisions the second is a Conflict."""
    transition(proposal, PROPOSAL, action, audit=ProposalStatusChange, actor=user, note=note,
               context={"record": union_record},
               values={"decided_by": user, "decided_at": timezone.now(), "decision_note": note})


@transaction.atomic
def accept(proposal: Proposal, user, note: str = "") -> UnionRecord:
    union_record = UnionRecord.objects.select_for_update().get(pk=proposal.union_record_id)
    _may_decide(proposal, "accept", user, union_record)
    check_lock(union_record, user)
    # Decided before the master changes: the loser of a race stops here, having changed nothing.
    _decide(proposal, "accept", user, note, union_record)
    _apply_to_master(union_record, {name: new for name, (_old, new) in proposal.changes.items()}, user, "proposal")
    union_record.refresh_from_db()
    return union_record


@transaction.atomic
def reject(proposal: Proposal, user, note: str = "") -> Proposal:
    _may_decide(proposal, "reject", user, proposal.union_record)
    _decide(proposal, "reject", user, note, proposal.union_record)
    return proposal


# --- Versions ----------------------------------------------------------------------------


def get_version(union_record: UnionRecord, version: int) -> UnionRecordVersion:
    row = union_record.versions.filter(version=version).first()
    if row is None:
        raise NotFound(_("This union record has no version %(version)s.") % {"version": version})
    return row


def compare_versions(union_record: UnionRecord, a: int, b: int) -> dict:
    first, second = get_version(union_record, a).data, get_version(union_record, b).data
    return {name: [first.get(name), second.get(name)] for name in sorted(set(first) | set(second))
            if first.get(name) != second.get(name)}


@transaction.atomic
def restore(union_record: UnionRecord, version: int, user) -> UnionRecord:
    """Bring the editable fields back to those of ``version`` (a new version records the restore)."""
    union_record = UnionRecord.objects.select_for_update().get(pk=union_record.pk)
    if not can_decide(user, union_record):
        raise PermissionDenied(_("Only the master record's library or a coordinator may restore a version."))
    check_lock(union_record, user)
    data = get_version(union_record, version).data
    values = {name: data.get(name) for name in EDITABLE_FIELDS
              if name in data and data.get(name) != getattr(union_record, name)}
    if not values:
        raise UserError(_("That version has the same data as the current one."), code="no_change")
    _apply_to_master(union_record, values, user, "restore")
    union_record.refresh_from_db()
    return union_record
