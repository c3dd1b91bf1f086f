"""Document delivery: scans stored privately, downloaded through links that expire.

A lender's ILL staff upload the scan for a Copy (or Copy-or-loan) request before anything has
been shipped (``upload_copy``). The scan must be a PDF by its content, not by its name, no larger
than the policy allows, with the pages supplied and the copyright declaration. It is written
under ``ILL_PRIVATE_ROOT`` with a random name, never under MEDIA_ROOT or the static files, so no
web server can hand it out; its SHA-256 is kept. The supply then completes (``send_copy``), which
tells the borrower (CopyCompleted: the request becomes copy_delivered), and the reader hears that
the copy can be downloaded.

A download goes through ``open_download``: one conditional UPDATE counts it only while the link
has downloads left, has not expired and its file is still there, so two readers racing for the
last download cannot both win. After the last download, or once the link expires, the file is
deleted (``purge_expired``, also run by Celery beat).

Who may download (``may_download``): the signed-in reader whose request it is (their opaque
account) and the borrowing library's own ILL staff and administrator; the link's token alone is
not enough. The lender's staff see the delivery's details (pages, size, when, downloads) but not
the file: once sent, the scan is the borrower's, and a lender has its own original.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import NotFound
from ill.exceptions import BadCopy, CopyGone, SupplyRefused
from ill.models import CopyDelivery, IllPolicy, ServiceType, Supply
from ill.workflow import SUPPLIER
from tenants.models import Role
from tenants.services import access

log = logging.getLogger(__name__)

# The declaration a lender makes with every scan (kept with the delivery as it was shown).
DEFAULT_DECLARATION = gettext_lazy(
    "Supplied only for the reader's private study or research, as the Copyright Law of the People's "
    "Republic of China allows (Article 24); not to be copied further or passed on.")
COPY_SERVICES = frozenset({ServiceType.COPY, ServiceType.COPY_OR_LOAN})
PDF_MAGIC = b"%PDF-"
# A PDF ends with %%EOF, possibly followed by a line end or some padding.
TRAILER_WINDOW = 1024
CHUNK = 64 * 1024
MAX_PAGES = 100_000


def copies_dir() -> Path:
    return Path(settings.ILL_PRIVATE_ROOT) / "copies"


def file_of(delivery: CopyDelivery) -> Path:
    return Path(settings.ILL_PRIVATE_ROOT) / delivery.path


# --- Upload ----------------------------------------------------------------------------------

def declaration_text(declaration) -> str:
    """The declaration made: ``True`` (the box ticked) is the default text; a text is kept as given."""
    if declaration is True:
        return str(DEFAULT_DECLARATION)
    if isinstance(declaration, str) and declaration.strip():
        return declaration.strip()
    return ""


def upload_copy(supply: Supply, file, *, pages: int, declaration, actor=None, now=None) -> CopyDelivery:
    """Keep the scan for ``supply`` and send it: the supply completes, the borrower's request is delivered.

    ``file`` is an uploaded file (or any binary file object); ``declaration`` is ``True`` for the
    default copyright declaration, or its text. Raises ``BadCopy`` (not_pdf, too_large, no_pages,
    no_declaration) or ``SupplyRefused`` (not_copy, wrong_state, peer_copy).
    """
    now = now or timezone.now()
    _check_supply(supply)
    text = declaration_text(declaration)
    if not text:
        raise BadCopy(_("Tick the copyright declaration to send a copy."), code="no_declaration")
    try:
        pages = int(pages)
    except (TypeError, ValueError):
        pages = 0
    if not 1 <= pages <= MAX_PAGES:
        raise BadCopy(_("Give the number of pages supplied (at least one)."), code="no_pages")
    policy = IllPolicy.current()
    limit = policy.copy_max_megabytes * 1024 * 1024
    declared_size = getattr(file, "size", None)
    if declared_size is not None and declared_size > limit:
        raise _too_large(policy)
    relative, size, digest = _store(file, limit, policy)
    stored = Path(settings.ILL_PRIVATE_ROOT) / relative
    try:
        _check_pdf(stored)
        with transaction.atomic():
            supply = Supply.objects.select_for_update().get(pk=supply.pk)
            _check_supply(supply)
            from ill.services import notify
            from ill.services.transitions import advance_supply

            # The delivery exists before the borrower hears of it, so its notices can carry the link.
            delivery = CopyDelivery.objects.create(
                supply=supply, request_id=supply.request_id, path=relative,
                original_name=Path(getattr(file, "name", "") or "").name.replace("\x00", "")[:200], size=size, sha256=digest,
                pages=pages, copyright_declared=True, declaration=text, declared_by=_actor_name(actor),
                token=secrets.token_urlsafe(32), uploaded_at=now,
                expires_at=now + timedelta(days=policy.copy_link_days), max_downloads=policy.copy_max_downloads)
            advance_supply(supply, "send_copy", actor=actor, expected=supply.status,
                           values={"pages_supplied": pages})
            notify.request_changed(delivery.request, "copy_ready")
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return delivery


def can_send(supply: Supply) -> bool:
    """Whether a scan may be sent for ``supply`` now (a member's copy request, not yet shipped)."""
    try:
        _check_supply(supply)
    except SupplyRefused:
        return False
    return True


def _check_supply(supply: Supply) -> None:
    if supply.service_type not in COPY_SERVICES:
        raise SupplyRefused(_("Only a copy request is answered with a scan."), code="not_copy")
    if supply.request_id is None:
        raise SupplyRefused(_("Scans can be sent to member libraries only."), code="peer_copy")
    if supply.status not in SUPPLIER.action("send_copy").sources:
        raise SupplyRefused(
            _("A supply that is “%(state)s” cannot send a copy.") % {"state": supply.get_status_display()},
            code="wrong_state")


def _too_large(policy: IllPolicy) -> BadCopy:
    return BadCopy(_("The scan is larger than %(mb)s MB.") % {"mb": policy.copy_max_megabytes}, code="too_large")


def _store(file, limit: int, policy: IllPolicy) -> tuple[str, int, str]:
    """Write ``file`` under a random name, counting and hashing it; stops at ``limit`` bytes."""
    now = timezone.localdate()
    folder = copies_dir() / f"{now:%Y}" / f"{now:%m}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(16)}.pdf"
    digest, size = hashlib.sha256(), 0
    if hasattr(file, "seek"):
        file.seek(0)
    chunks = file.chunks(CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(CHUNK), b"")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(policy)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return str(target.relative_to(settings.ILL_PRIVATE_ROOT)), size, digest.hexdigest()


def _check_pdf(path: Path) -> int:
    """The number of pages of the PDF at ``path``; ``BadCopy`` if it is not a readable PDF."""
    not_pdf = BadCopy(_("The file is not a PDF."), code="not_pdf")
    with open(path, "rb") as handle:
        head = handle.read(len(PDF_MAGIC))
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        handle.seek(max(0, end - TRAILER_WINDOW))
        tail = handle.read()
    if head != PDF_MAGIC or b"%%EOF" not in tail:
        raise not_pdf
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise not_pdf
        count = len(reader.pages)
    except BadCopy:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            NotImplementedError) as exc:
        log.info("scan refused, pypdf: %s", exc)
        raise not_pdf from exc
    if count < 1:
        raise BadCopy(_("The PDF has no pages."), code="no_pages")
    return count


def _actor_name(actor) -> str:
    from core.workflow import actor_parts

    return (actor_parts(actor)[1] or "")[:150]


# --- Who may see and download -------------------------------------------------------------------

def may_download(user, delivery: CopyDelivery) -> bool:
    """The reader whose request it is, or the borrowing library's own ILL staff (and administrator)."""
    if user is None or not user.is_authenticated or delivery.request_id is None:
        return False
    request = delivery.request
    if request.reader_user_id is not None and request.reader_user_id == user.pk:
        return True
    return access.has_own_role(user, request.borrower, Role.ILL_STAFF)


def may_see(user, delivery: CopyDelivery) -> bool:
    """Those who may download, and the lender's own ILL staff (the details, not the file)."""
    return may_download(user, delivery) or access.has_own_role(user, delivery.supply.lender, Role.ILL_STAFF)


def delivery_for_token(token: str) -> CopyDelivery:
    delivery = (CopyDelivery.objects.select_related("request__borrower", "supply__lender")
                .filter(token=token).first())
    if delivery is None:
        raise NotFound(_("No copy has this link."), code="copy_unknown")
    return delivery


def link_for(request) -> CopyDelivery | None:
    """The copy delivered for a borrower's ``request`` (the newest), or None."""
    return CopyDelivery.objects.filter(request=request).order_by("-uploaded_at", "-pk").first()


@dataclass(frozen=True)
class Availability:
    state: str  # available, expired, used_up, deleted
    downloads_left: int


def availability(delivery: CopyDelivery, now=None) -> Availability:
    now = now or timezone.now()
    left = max(0, delivery.max_downloads - delivery.downloads)
    if delivery.deleted_at is not None:
        state = "expired" if delivery.expires_at <= delivery.deleted_at else "used_up" if not left else "deleted"
    elif delivery.expires_at <= now:
        state = "expired"
    elif not left:
        state = "used_up"
    else:
        state = "available"
    return Availability(state, left if state == "available" else 0)


# --- Download and deletion -----------------------------------------------------------------------

def open_download(token: str, *, now=None):
    """Count one download of the copy behind ``token``; returns ``(open binary file, file name)``.

    Raises ``NotFound`` for an unknown token and ``CopyGone`` when the link expired, its downloads
    are used up or its file is gone. Whether the caller may download is the view's to check
    (``may_download``) before calling this.
    """
    now = now or timezone.now()
    handle = None
    with transaction.atomic():
        counted = (CopyDelivery.objects
                   .filter(token=token, downloads__lt=F("max_downloads"), expires_at__gt=now, deleted_at__isnull=True)
                   .update(downloads=F("downloads") + 1))
        if counted:
            delivery = CopyDelivery.objects.select_related("request").get(token=token)
            try:
                handle = open(file_of(delivery), "rb")  # noqa: SIM115 - handed to the response, which closes it
            except FileNotFoundError:
                log.warning("copy %s: its file is missing", delivery.pk)
                CopyDelivery.objects.filter(pk=delivery.pk).update(downloads=F("downloads") - 1, deleted_at=now)
            else:
                if delivery.downloads >= delivery.max_downloads:
                    # The open handle still reads the file once it is unlinked.
                    pk = delivery.pk
                    transaction.on_commit(lambda: _discard(pk, now))
    if handle is None:
        delivery = delivery_for_token(token)
        raise CopyGone(_("This link has expired or its downloads are used up; ask your library for the copy "
                         "again."), code=availability(delivery, now).state)
    return handle, download_name(delivery)


def download_name(delivery: CopyDelivery) -> str:
    number = delivery.request.number if delivery.request_id else delivery.supply.number
    return f"{number}.pdf"


def _discard(pk: int, now) -> bool:
    """Delete one delivery's file and mark it deleted; False if it was already."""
    done = CopyDelivery.objects.filter(pk=pk, deleted_at__isnull=True).update(deleted_at=now)
    if done:
        delivery = CopyDelivery.objects.get(pk=pk)
        try:
            file_of(delivery).unlink(missing_ok=True)
        except OSError:
            log.exception("copy %s: its file could not be deleted", pk)
    return bool(done)


def purge_expired(now=None) -> int:
    """Delete the files of every expired or used-up delivery and mark them deleted; the number deleted."""
    now = now or timezone.now()
    due = (CopyDelivery.objects.filter(deleted_at__isnull=True)
           .filter(Q(expires_at__lte=now) | Q(downloads__gte=F("max_downloads")))
           .values_list("pk", flat=True))
    return sum(1 for pk in list(due) if _discard(pk, now))
