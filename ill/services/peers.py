"""Messages to and from peers (other ILL systems) over HTTP, with their credentials.

A message to a peer is kept as ``IllMessage`` (delivery ``pending``) and posted after commit by
``send``: the stored XML, with ``Authorization: Bearer <outbound secret>``. The peer's Confirmation
decides what becomes of it: OK -> ``sent``; ERROR -> ``rejected`` with the error kept and the
library's staff told; no answer (network, timeout, an HTTP error without a Confirmation) ->
``failed``, tried again by ``retry_pending`` (Celery beat, every two minutes) with a doubling
delay, up to ``MAX_ATTEMPTS``. A message is never posted again once sent, and the messages of
one request go in the order they were made: a later one waits while an earlier one is undelivered.

``offer_to_peer`` puts a peer on a request's rota and, when the request is looking for a lender,
asks it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from ill.iso18626 import MessageError, parse
from ill.iso18626.messages import (
    RequestConfirmation,
    RequestingAgencyMessageConfirmation,
    SupplyingAgencyMessageConfirmation,
)
from ill.models import IllMessage, IllRequest, Peer, RotaEntry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# The first retry waits this long; each further one twice as long as the one before.
FIRST_RETRY = dt.timedelta(minutes=2)
UNDELIVERED = (IllMessage.Delivery.PENDING, IllMessage.Delivery.FAILED)
CONFIRMATIONS = (RequestConfirmation, SupplyingAgencyMessageConfirmation, RequestingAgencyMessageConfirmation)


class PeerUnreachable(Exception):
    """No Confirmation came back (network failure, timeout, an answer that is not one)."""


# --- Posting ---------------------------------------------------------------------------------------

def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is normally installed
        requests = None
    if requests is not None:
        try:
            response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise PeerUnreachable(str(exc)[:500]) from None
        return response.status_code, response.content[: 2 * 1024 * 1024]
    import urllib.error
    import urllib.request

    call = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:  # noqa: S310 - a configured peer URL
            return response.status, response.read(2 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2 * 1024 * 1024)
    except (OSError, ValueError) as exc:
        raise PeerUnreachable(str(exc)[:500]) from None


def _confirmation(status: int, content: bytes):
    """The peer's Confirmation; ``PeerUnreachable`` when the answer is none."""
    try:
        confirmation = parse(content).message
    except MessageError as exc:
        raise PeerUnreachable(f"HTTP {status}, no Confirmation: {exc.error_value}") from None
    if not isinstance(confirmation, CONFIRMATIONS):
        raise PeerUnreachable(f"HTTP {status}: answered with a {type(confirmation).__name__}")
    return confirmation


def _earlier_undelivered(message: IllMessage) -> bool:
    thread = Q()
    if message.request_id:
        thread |= Q(request_id=message.request_id)
    if message.supply_id:
        thread |= Q(supply_id=message.supply_id)
    if not thread:
        return False
    return (IllMessage.objects.filter(thread, direction=IllMessage.Direction.OUT, peer_id=message.peer_id,
                                      delivery__in=UNDELIVERED)
            .filter(Q(created_at__lt=message.created_at) | Q(created_at=message.created_at, pk__lt=message.pk))
            .exists())


def send(message_pk: int) -> None:
    """Post a queued message to its peer and apply the Confirmation (see the module docstring)."""
    with transaction.atomic():
        message = (IllMessage.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(pk=message_pk, direction=IllMessage.Direction.OUT, delivery__in=UNDELIVERED)
                   .select_related("peer").first())
        if message is None or message.peer is None:
            return  # sent already, being sent by another worker, or not for a peer
        if _earlier_undelivered(message):
            return  # sent in order: retry_pending takes it after the earlier one
        peer = message.peer
        headers = {"Content-Type": "application/xml; charset=utf-8", "Accept": "application/xml"}
        if peer.outbound_secret:
            headers["Authorization"] = f"Bearer {peer.outbound_secret}"
        message.attempts += 1
        try:
            status, content = _post(peer.endpoint, message.body.encode("utf-8"), headers, settings.ILL_PEER_TIMEOUT)
            confirmation = _confirmation(status, content)
        except PeerUnreachable as exc:
            message.delivery, message.error = IllMessage.Delivery.FAILED, str(exc)
            message.save(update_fields=["delivery", "error", "attempts"])
            log.warning("ISO 18626 message %s to %s failed (attempt %s): %s", message.pk, peer, message.attempts, exc)
            if message.attempts >= MAX_ATTEMPTS:
                _tell_staff(message)
            return
        message.answer = content.decode("utf-8", "replace")[:100_000]
        errors = confirmation.error_data
        if str(confirmation.confirmation_header.message_status) == "OK":
            message.delivery, message.error, message.sent_at = IllMessage.Delivery.SENT, "", timezone.now()
        else:
            message.delivery = IllMessage.Delivery.REJECTED
            message.error = "; ".join(f"{e.error_type}: {e.error_value or ''}" for e in errors) or "ERROR"
        message.save(update_fields=["delivery", "error", "attempts", "answer", "sent_at"])
        if message.delivery == IllMessage.Delivery.REJECTED:
            log.warning("ISO 18626 message %s refused by %s: %s", message.pk, peer, message.error)
            _tell_staff(message)


def _tell_staff(message: IllMessage) -> None:
    from ill.services import notify

    if message.request_id:
        notify.request_changed(message.request, "peer_error")
    elif message.supply_id:
        notify.supply_news(message.supply, "peer_error", message.error)


def due_for_retry(message: IllMessage, now=None) -> bool:
    """After n failed attempts a message is tried again 2, 6, 14 ... minutes after it was made."""
    now = now or timezone.now()
    if message.attempts >= MAX_ATTEMPTS:
        return False
    if message.attempts == 0:  # its post after commit was lost (a worker stopped, the broker down)
        return now - message.created_at >= dt.timedelta(minutes=1)
    return now >= message.created_at + FIRST_RETRY * (2 ** message.attempts - 1)


def retry_pending(now=None) -> int:
    """Post again each undelivered message that is due (oldest first); how many were tried."""
    tried = 0
    candidates = (IllMessage.objects.filter(direction=IllMessage.Direction.OUT, delivery__in=UNDELIVERED,
                                            peer__isnull=False, attempts__lt=MAX_ATTEMPTS)
                  .order_by("created_at", "pk"))
    for message in candidates.iterator():
        if due_for_retry(message, now):
            send(message.pk)
            tried += 1
    return tried


# --- Inbound credentials -----------------------------------------------------------------------------

def address_allowed(peer: Peer, address: str) -> bool:
    """Whether ``address`` is one of the peer's allowed addresses or networks (all when none set)."""
    if not peer.allowed_addresses:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    for allowed in peer.allowed_addresses:
        try:
            if ip in ipaddress.ip_network(str(allowed).strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def check_addresses(values) -> list[str]:
    """Allowed addresses as given by staff, normalised; ``ValueError`` for one that is not an
    address or network."""
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split() if v]
    return [str(ipaddress.ip_network(str(v).strip(), strict=False)) for v in values or []]


# --- Peers on the rota -----------------------------------------------------------------------------

def offer_to_peer(request: IllRequest, peer: Peer, *, actor=None) -> RotaEntry:
    """Put ``peer`` on ``request``'s rota, after the lenders of the current round, and move the
    rota on if the request is looking for a lender (``sourcing``, or ``end_of_rota``, which is
    opened again): the peer is asked when no lender before it is still waiting. Raises
    ``RequestRefused`` for a peer that is switched off or does not lend."""
    from django.utils.translation import gettext as _

    from ill.exceptions import RequestRefused
    from ill.services import rota
    from ill.services.transitions import advance_request

    if not (peer.active and peer.lends):
        raise RequestRefused(_("This peer does not lend to our members."), code="peer_not_lending")

    with transaction.atomic():
        request = IllRequest.objects.select_for_update().get(pk=request.pk)
        current = request.rota.aggregate(round=Max("round"))["round"] or 1
        last = request.rota.filter(round=current).aggregate(position=Max("position"))["position"] or 0
        entry = RotaEntry.objects.create(request=request, round=current, position=last + 1, peer=peer,
                                         reasons=[{"code": "peer", "points": 0, "detail": {"peer": peer.name}}])
        if request.status == IllRequest.Status.END_OF_ROTA:
            advance_request(request, "rerota", actor=actor)
            request.refresh_from_db()
        if request.status != IllRequest.Status.SOURCING:
            return entry
        rota.move_on(request, actor=actor)
    return entry


# --- Receiving ------------------------------------------------------------------------------------
#
# What a peer hears back (HTTP status and body):
# - 200 with a Confirmation OK: the message was taken;
# - 200 with a Confirmation ERROR: an authenticated peer's message that was read but refused (an
#   unknown agency or request id, an action we do not support, a step the request's state does not
#   allow), as ReShare and other ISO 18626 systems answer protocol errors;
# - 400 with a Confirmation ERROR: the body is not a message we can read (not XML, a DOCTYPE, not
#   valid against the schema's structure, an unknown code);
# - 401 (no or wrong secret) and 403 (a sender that is not a configured peer, or one of our own
#   members, or an address not allowed) with a Confirmation ERROR: nothing was done;
# - 413 for a body over the size limit, 405 for anything but POST, 503 for a failure of ours
#   (send again later); never 500.

# Supplier statuses that move a borrower's request; one that arrives when the request cannot take it
# (and is not a repeat of what the lender last said) is refused.
_MOVING_STATUSES = frozenset({"ExpectToSupply", "WillSupply", "Loaned", "Unfilled", "RetryPossible",
                              "CopyCompleted", "LoanCompleted", "CompletedWithoutReturn", "Cancelled"})
# Borrower actions a lender of ours takes from a peer.
_ACTIONS_TAKEN = frozenset({"StatusRequest", "Received", "Cancel", "Renew", "ShippedReturn", "Notification"})


class Answer:
    """The HTTP status and XML body that answer one posted message."""

    def __init__(self, status: int, body: bytes, *, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


class _Refused(Exception):
    def __init__(self, status: int, error_type: str, error_value: str):
        super().__init__(error_value)
        self.status, self.error_type, self.error_value = status, error_type, error_value


def _agency_matches_member(agency) -> bool:
    from tenants.models import Library

    return (agency is not None and agency.type.strip().casefold() == settings.ILL_AGENCY_ID_TYPE.casefold()
            and Library.objects.filter(agency_id=agency.value.strip()).exists())


def _member(agency):
    from tenants.models import Library

    if agency is None or agency.type.strip().casefold() != settings.ILL_AGENCY_ID_TYPE.casefold():
        return None
    return Library.objects.filter(agency_id=agency.value.strip(), is_active=True).first()


def find_peer(agency) -> Peer | None:
    if agency is None:
        return None
    return Peer.objects.filter(agency_id_type__iexact=agency.type.strip(), agency_id=agency.value.strip(),
                               active=True).first()


def _bearer(authorization: str) -> str:
    scheme, _sep, value = (authorization or "").strip().partition(" ")
    return value.strip() if scheme.casefold() == "bearer" else ""


def _sender_and_recipient(message):
    from ill.iso18626.messages import Request, SupplyingAgencyMessage

    header = message.header
    if isinstance(message, SupplyingAgencyMessage):
        return header.supplying_agency_id, header.requesting_agency_id
    if isinstance(message, Request):
        return header.requesting_agency_id, header.supplying_agency_id
    return header.requesting_agency_id, header.supplying_agency_id


# A peer's secret is kept as a slow password hash; once it has matched, this process remembers a fast
# digest of it (per peer and hash, so a changed secret is checked afresh), so that each message
# does not cost a full password check.
_VERIFIED: dict[tuple[int, str], bytes] = {}


def secret_ok(peer: Peer, secret: str) -> bool:
    import hashlib
    import hmac

    if not secret or not peer.inbound_secret_hash:
        return False
    key = (peer.pk, peer.inbound_secret_hash)
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    known = _VERIFIED.get(key)
    if known is not None:
        return hmac.compare_digest(known, digest)
    if not peer.check_inbound_secret(secret):
        return False
    if len(_VERIFIED) > 1000:
        _VERIFIED.clear()
    _VERIFIED[key] = digest
    return True


def _authenticate(message, *, authorization: str, address: str) -> Peer:
    from ill.iso18626.codes import ErrorType

    sender, _recipient = _sender_and_recipient(message)
    who = f"{sender.type}:{sender.value}" if sender else "?"
    if _agency_matches_member(sender):
        raise _Refused(403, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"{who} is a member of this consortium; its messages do not come over HTTP")
    peer = find_peer(sender)
    if peer is None:
        raise _Refused(403, ErrorType.UNRECOGNISED_DATA_VALUE, f"{who} is not a configured peer")
    if not secret_ok(peer, _bearer(authorization)):
        raise _Refused(401, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"{who}: the credential (Authorization: Bearer) is missing or wrong")
    if not address_allowed(peer, address):
        raise _Refused(403, ErrorType.UNRECOGNISED_DATA_VALUE, f"{who}: not allowed from this address")
    return peer


def receive(data: bytes, *, authorization: str = "", address: str = "") -> Answer:
    """Take one message posted by a peer; the answer to give it (see the table above)."""
    from django.utils import translation

    from ill.iso18626 import confirmation_for, render, render_confirmation_for_error
    from ill.iso18626.messages import ErrorData
    from ill.iso18626.xml import xml_safe

    received_at = timezone.now()
    try:
        parsed = parse(data)
    except MessageError as error:
        return Answer(400, render_confirmation_for_error(error, received_at=received_at))
    message, version = parsed.message, parsed.version
    if isinstance(message, CONFIRMATIONS):
        from ill.iso18626.codes import ErrorType

        error = MessageError(ErrorType.BADLY_FORMED_MESSAGE, "a Confirmation answers a message; it is not posted",
                             version=version)
        return Answer(400, render_confirmation_for_error(error, received_at=received_at))

    def answer(status: int, error_type: str = "", error_value: str = "", headers=None) -> Answer:
        errors = (ErrorData(error_type=error_type, error_value=xml_safe(error_value)),) if error_type else ()
        body = render(confirmation_for(message, received_at=received_at, error_data=errors), version)
        return Answer(status, body, headers=headers)

    with translation.override("en"):
        try:
            peer = _authenticate(message, authorization=authorization, address=address)
        except _Refused as refused:
            log.warning("ISO 18626 message refused from %s: %s", address, refused.error_value)
            headers = {"WWW-Authenticate": 'Bearer realm="iso18626"'} if refused.status == 401 else None
            return answer(refused.status, refused.error_type, refused.error_value, headers)
        text = data.decode("utf-8", "replace")
        try:
            with transaction.atomic():
                links = _route(message, peer)
                reply = answer(200)
                _log_in(message, peer, version, text, reply.body, **links)
            return reply
        except (_Refused, _InboundError) as refused:
            reply = answer(200, refused.error_type, refused.error_value)
        except Exception as error:  # a workflow refusal (Conflict) or a message the exchange cannot take
            from core.exceptions import UserError

            if not isinstance(error, UserError):
                raise
            reply = answer(200, "UnrecognisedDataValue", f"{getattr(error, 'code', 'conflict')}: {error.message}")
        _log_in(message, peer, version, text, reply.body, error=_error_text(reply.body))
        return reply


def _error_text(body: bytes) -> str:
    try:
        confirmation = parse(body).message
    except MessageError:
        return "ERROR"
    return "; ".join(f"{e.error_type}: {e.error_value or ''}" for e in confirmation.error_data)


def _log_in(message, peer: Peer, version: str, text: str, answer: bytes, *, request=None, supply=None,
            error: str = "") -> IllMessage:
    from ill.iso18626.messages import Request, RequestingAgencyMessage

    if isinstance(message, Request):
        kind, status = "Request", ""
    elif isinstance(message, RequestingAgencyMessage):
        kind, status = "RequestingAgencyMessage", str(message.action)
    else:
        kind, status = "SupplyingAgencyMessage", str(message.status_info.status)
    return IllMessage.objects.create(
        direction=IllMessage.Direction.IN, kind=kind, version=version, request=request, supply=supply, peer=peer,
        status=status, body=text, answer=answer.decode("utf-8"), error=error,
        delivery=IllMessage.Delivery.REJECTED if error else IllMessage.Delivery.SENT, sent_at=timezone.now())


def _route(message, peer: Peer) -> dict:
    """Hand the message to the exchange; the request or supply it concerns (for the log)."""
    from ill.iso18626.codes import ErrorType
    from ill.iso18626.messages import Request, RequestingAgencyMessage

    _sender, recipient = _sender_and_recipient(message)
    member = _member(recipient)
    if member is None:
        who = f"{recipient.type}:{recipient.value}" if recipient else "(none given)"
        field = "requestingAgencyId" if not isinstance(message, Request | RequestingAgencyMessage) \
            else "supplyingAgencyId"
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE, f"{field} {who}: not a member of this consortium")
    if isinstance(message, Request):
        return _take_request(message, peer, member)
    if isinstance(message, RequestingAgencyMessage):
        return _take_requester_action(message, peer, member)
    return _take_supplier_news(message, peer, member)


def _take_request(message, peer: Peer, lender) -> dict:
    from django.db import IntegrityError

    from ill.iso18626.codes import ErrorType
    from ill.models import Supply
    from ill.services import exchange, messages

    if not peer.borrows:
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE, f"{peer.agency_id} does not borrow from our members")
    if not lender.ill_lending:
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE, f"{lender.agency_id} does not lend through ILL")
    try:
        values = messages.request_from_message(message)
    except messages.InboundError as error:
        raise _InboundError(error.error_type, error.error_value) from None
    existing = Supply.objects.filter(requester_peer=peer, requester_request_id=values["requester_request_id"]).first()
    if existing is not None:  # the same Request again (the peer missed our Confirmation): taken once
        if existing.lender_id != lender.pk:
            raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE,
                           f"requestingAgencyRequestId {values['requester_request_id']}: already sent to another member")
        return {"supply": existing}
    try:
        with transaction.atomic():
            supply = exchange.receive_request(lender=lender, peer=peer, **values)
    except IntegrityError:
        supply = Supply.objects.filter(requester_peer=peer,
                                       requester_request_id=values["requester_request_id"]).first()
        if supply is None:
            raise
    return {"supply": supply}


def _take_supplier_news(message, peer: Peer, borrower) -> dict:
    from ill.iso18626.codes import ErrorType
    from ill.services import exchange, messages
    from ill.workflow import requester_action_for

    number = message.header.requesting_agency_request_id.strip()
    request = IllRequest.objects.filter(number=number, lender_peer=peer, borrower=borrower).first()
    if request is None:
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"requestingAgencyRequestId {number[:60]}: no request of ours is with this peer")
    try:
        news = messages.news_from_message(message)
    except messages.InboundError as error:
        raise _InboundError(error.error_type, error.error_value) from None
    action = requester_action_for(request.status, news.status, loan_condition=news.loan_condition,
                                  answer_yes=news.answer_yes, reason=news.reason)
    if (action is None and news.status in _MOVING_STATUSES and news.status != request.supplier_status
            and request.status != IllRequest.Status.CANCEL_PENDING):
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"status {news.status}: request {request.number} is {request.status} and cannot take it")
    exchange.on_supplier_news(request, news, actor=f"ISO 18626 {peer.agency_id}"[:150])
    return {"request": request}


def _take_requester_action(message, peer: Peer, lender) -> dict:
    from ill.iso18626.codes import ErrorType
    from ill.models import Supply
    from ill.services import exchange
    from ill.workflow import ON_LOAN

    action = str(message.action)
    if action not in _ACTIONS_TAKEN:
        raise _Refused(200, ErrorType.UNSUPPORTED_ACTION_TYPE, f"action {action}: not supported here")
    number = message.header.requesting_agency_request_id.strip()
    supply = Supply.objects.filter(requester_peer=peer, requester_request_id=number, lender=lender).first()
    if supply is None:
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"requestingAgencyRequestId {number[:60]}: no request from this peer to {lender.agency_id}")
    if action == "ShippedReturn" and supply.status not in ON_LOAN:
        raise _Refused(200, ErrorType.UNRECOGNISED_DATA_VALUE,
                       f"action ShippedReturn: supply {supply.number} is {supply.status}, not on loan")
    note = (message.note or "").strip()[:4000]
    exchange.on_requester_action(supply, action, note=note, actor=f"ISO 18626 {peer.agency_id}"[:150])
    return {"supply": supply}


class _InboundError(_Refused):
    def __init__(self, error_type: str, error_value: str):
        super().__init__(200, error_type, error_value)


# --- Configuring peers -----------------------------------------------------------------------------

_SETTABLE = ("name", "endpoint", "version", "outbound_secret", "lends", "borrows", "courier_days", "active")


def configure_peer(*, agency_id: str, agency_id_type: str = "ISIL", inbound_secret: str | None = None,
                   allowed_addresses=None, peer: Peer | None = None, **values) -> Peer:
    """Add a peer or change one (``peer``): only the values given change; the secret the peer sends
    is kept hashed. Raises ``UserError`` for an agency id of one of our members, a bad endpoint,
    version or address."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from core.exceptions import UserError
    from ill.iso18626.messages import AgencyId

    agency_id, agency_id_type = (agency_id or "").strip(), (agency_id_type or "ISIL").strip()
    if not agency_id:
        raise UserError(_("A peer needs an agency ID."), code="agency_id")
    if _agency_matches_member(AgencyId(type=agency_id_type, value=agency_id)):
        raise UserError(_("%(id)s is the agency ID of one of our members, not of a peer.") % {"id": agency_id},
                        code="member_agency_id")
    if peer is None:
        peer = Peer.objects.filter(agency_id_type__iexact=agency_id_type, agency_id=agency_id).first() or Peer(
            name=agency_id)
    peer.agency_id, peer.agency_id_type = agency_id, agency_id_type
    for name in _SETTABLE:
        if values.get(name) is not None:
            setattr(peer, name, values[name])
    if inbound_secret is not None:
        if inbound_secret and len(inbound_secret) < 16:
            raise UserError(_("A peer's secret has at least 16 characters."), code="secret")
        peer.set_inbound_secret(inbound_secret) if inbound_secret else setattr(peer, "inbound_secret_hash", "")
    if allowed_addresses is not None:
        try:
            peer.allowed_addresses = check_addresses(allowed_addresses)
        except ValueError as exc:
            raise UserError(_("Not an IP address or network: %(error)s") % {"error": exc}, code="address") from None
    try:
        peer.full_clean(exclude=["region"])
    except ValidationError as exc:
        raise UserError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()), code="invalid") \
            from None
    peer.save()
    return peer
