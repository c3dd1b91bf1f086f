"""Fees of completed requests and the statements between libraries.

A lender earns a fee when its supply completes: a loan checked in, a copy sent, or an item the
borrower lost (completed without return). The fee follows the consortium's schedule valid on
the day the supply completed (``FeeSchedule``: per request by service type, per page for copies,
as CALIS charges 0.30 yuan a page); a CopyOrLoan request is priced by what was supplied. The fee
never exceeds the request's maximum cost; the list price and the cap are kept on the line.

A lost item also carries the compensation the lender recorded on the supply (``Supply.cost`` at
the moment it completes without return). It is kept in its own column of the same fee line
(``FeeLine.compensation``), not as a second line: one line per supply keeps ``record_fee``
idempotent by the supply alone. Compensation is owed in full by the borrower: no subsidy and no
maximum cost apply to it.

Subsidy rules (``SubsidyRule``) pay a share of a member borrower's fees, per year and up to a
yearly cap per borrowing library. A rule for a region covers the libraries of every region below
it; a rule may also name a school kind. When several match, the most specific applies: the one
whose region is nearest the library's (a rule for every region is the least specific), and at
equal region one naming the school kind before one that does not. A subsidy never takes the
library past the cap of the rule that applies, counted against every subsidy it received that
year; the remainder is paid by the library.

Statements add the lines of a month or a year up per pair of parties (borrower, lender): the
requests by what was supplied, pages, the fees (gross), the subsidy, the compensation and what
the borrower owes (gross - subsidy + compensation). The consortium pays the subsidies to the
lenders; between libraries, each one's net balance is what borrowers owe it minus what it owes
lenders, so the balances of all parties sum to zero.

The cost carried in ISO 18626 messages is what the lender charges in CNY, the fee plus any
compensation: ``record_fee`` sets ``Supply.cost`` before the borrower is told, and the borrower's
request takes its ``cost`` from that message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, PermissionDenied, UserError
from ill.models import FeeLine, FeeSchedule, IllRequest, ServiceType, SubsidyRule, Supply
from tenants.models import Library, Region

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The schedule installed on first use: valid since long before any request.
DEFAULT_SINCE = dt.date(2000, 1, 1)
DEFAULT_SCHEDULE = {
    ServiceType.LOAN: (Decimal("5.00"), Decimal("0.00")),
    ServiceType.COPY: (Decimal("0.00"), Decimal("0.30")),
}
# A CopyOrLoan request is priced as what was supplied, so the schedule has rows for these only.
PRICED_TYPES = (ServiceType.LOAN, ServiceType.COPY)
# Advisory lock namespace of the yearly subsidy count of one borrower (with the library's id).
SUBSIDY_LOCK = 18626


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- The schedule ------------------------------------------------------------------------------

def install_default_schedule() -> None:
    """The consortium's default schedule, once, when there is none at all."""
    if FeeSchedule.objects.exists():
        return
    with transaction.atomic():
        for service_type, (per_request, per_page) in DEFAULT_SCHEDULE.items():
            FeeSchedule.objects.get_or_create(service_type=service_type, valid_from=DEFAULT_SINCE,
                                              defaults={"per_request": per_request, "per_page": per_page})


def schedule(day: dt.date | None = None) -> list[FeeSchedule]:
    """Every schedule row, or with ``day`` the row of each service type valid on that day."""
    install_default_schedule()
    rows = list(FeeSchedule.objects.order_by("service_type", "-valid_from"))
    if day is None:
        return rows
    return [r for r in (schedule_on(t, day) for t in PRICED_TYPES) if r is not None]


def schedule_on(service_type: str, day: dt.date) -> FeeSchedule | None:
    install_default_schedule()
    return (FeeSchedule.objects.filter(service_type=service_type, valid_from__lte=day)
            .order_by("-valid_from").first())


def set_schedule(*, service_type: str, valid_from: dt.date, per_request, per_page) -> tuple[FeeSchedule, bool]:
    """Set the prices of ``service_type`` from ``valid_from`` on (a new row, or that day's row changed).

    Fees already recorded keep their amounts. Returns the row and whether it is new.
    """
    if service_type not in PRICED_TYPES:
        raise UserError(_("Copy-or-loan requests are priced by what was supplied; set the Loan and Copy fees."),
                        code="bad_service_type")
    per_request, per_page = Decimal(per_request), Decimal(per_page)
    if per_request < 0 or per_page < 0:
        raise UserError(_("Fees cannot be negative."), code="negative_fee")
    install_default_schedule()
    row, created = FeeSchedule.objects.update_or_create(
        service_type=service_type, valid_from=valid_from,
        defaults={"per_request": cents(per_request), "per_page": cents(per_page)})
    return row, created


# --- Subsidy rules -----------------------------------------------------------------------------

def _region_depths() -> tuple[dict[int, int | None], dict[int, int]]:
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    depths: dict[int, int] = {}
    for pk in parents:
        depth, current, seen = 0, parents.get(pk), {pk}
        while current is not None and current not in seen:
            seen.add(current)
            depth += 1
            current = parents.get(current)
        depths[pk] = depth
    return parents, depths


def rule_for(library: Library, year: int) -> SubsidyRule | None:
    """The most specific subsidy rule of ``year`` matching ``library`` (None: no subsidy)."""
    parents, depths = _region_depths()
    chain: list[int] = []
    current = library.region_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    candidates = SubsidyRule.objects.filter(Q(region__isnull=True) | Q(region_id__in=chain), year=year).filter(
        Q(library_kind="") | Q(library_kind=library.kind))

    def specificity(rule: SubsidyRule):
        region_rank = -1 if rule.region_id is None else depths.get(rule.region_id, 0)
        return (region_rank, bool(rule.library_kind), rule.pk)

    return max(candidates, key=specificity, default=None)


def subsidies_received(library: Library, year: int) -> Decimal:
    total = FeeLine.objects.filter(borrower=library, occurred_on__year=year).aggregate(s=Sum("subsidy"))["s"]
    return total or ZERO


def validate_rule(*, name: str, percent: int, yearly_cap, year: int, region=None, library_kind: str = "") -> None:
    if not name.strip():
        raise UserError(_("A subsidy rule needs a name."), code="no_name")
    if not 0 <= int(percent) <= 100:
        raise UserError(_("The share paid is a percentage from 0 to 100."), code="bad_percent")
    if Decimal(yearly_cap) < 0:
        raise UserError(_("The yearly cap cannot be negative."), code="bad_cap")
    if library_kind and library_kind not in Library.Kind.values:
        raise UserError(_("Unknown school kind."), code="bad_kind")
    if not 2000 <= int(year) <= 2100:
        raise UserError(_("Give the year the rule applies to."), code="bad_year")


def save_rule(rule: SubsidyRule | None = None, **fields) -> SubsidyRule:
    """Create a subsidy rule, or change ``rule`` (fees already recorded keep their subsidy)."""
    rule = rule or SubsidyRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    validate_rule(name=rule.name, percent=rule.percent, yearly_cap=rule.yearly_cap, year=rule.year,
                  region=rule.region, library_kind=rule.library_kind)
    rule.yearly_cap = cents(rule.yearly_cap)
    rule.save()
    return rule


def delete_rule(rule: SubsidyRule) -> None:
    """Remove a rule; one that subsidised a fee stays (its lines name it): change it instead."""
    if FeeLine.objects.filter(subsidy_rule=rule).exists():
        raise Conflict(_("Fees were subsidised under this rule; change its cap or share instead."),
                       code="rule_in_use")
    rule.delete()


# --- The fee of one supply ---------------------------------------------------------------------

def supplied_type(supply: Supply) -> str:
    """Loan or Copy: what the lender supplied (a CopyOrLoan request is priced by it)."""
    if supply.service_type == ServiceType.COPY or supply.status == Supply.Status.COPY_COMPLETED:
        return ServiceType.COPY
    return ServiceType.LOAN


def pages_of(supply: Supply) -> int:
    if supply.pages_supplied is not None:
        return supply.pages_supplied
    delivery = getattr(supply, "copy_delivery", None) if supply.pk else None
    return delivery.pages if delivery is not None else 0


def price(service_type: str, pages: int, day: dt.date) -> Decimal:
    """The schedule's price of one request of ``service_type`` (with ``pages`` for a copy) on ``day``."""
    row = schedule_on(service_type, day)
    if row is None:
        return ZERO
    return cents(row.per_request + row.per_page * (pages if service_type == ServiceType.COPY else 0))


def record_fee(supply: Supply) -> FeeLine | None:
    """The fee line of a supply that just completed (loan returned, copy sent, lost and compensated).

    Called inside the transition, before the borrower is told, so the message carries the cost.
    A second call for the same supply does nothing (and returns None).
    """
    if FeeLine.objects.filter(supply_id=supply.pk).exists():
        return None
    day = timezone.localdate(supply.closed_at) if supply.closed_at else timezone.localdate()
    service_type = supplied_type(supply)
    pages = pages_of(supply) if service_type == ServiceType.COPY else 0
    list_amount = price(service_type, pages, day)
    request = IllRequest.objects.filter(pk=supply.request_id).first() if supply.request_id else None
    max_cost = supply.max_cost if supply.max_cost is not None else (request.max_cost if request else None)
    amount = min(list_amount, cents(max_cost)) if max_cost is not None else list_amount
    compensation = ZERO
    if supply.status == Supply.Status.COMPLETED_WITHOUT_RETURN and supply.cost is not None:
        compensation = cents(supply.cost)
    borrower = supply.borrower or (request.borrower if request else None)
    with transaction.atomic():
        subsidy, rule = ZERO, None
        if borrower is not None:
            rule = rule_for(borrower, day.year)
            if rule is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SUBSIDY_LOCK, borrower.pk])
                room = max(cents(rule.yearly_cap) - subsidies_received(borrower, day.year), ZERO)
                subsidy = min(cents(amount * rule.percent / 100), room)
        line = FeeLine.objects.create(
            request=request, supply=supply, borrower=borrower, borrower_peer_id=supply.requester_peer_id,
            lender=supply.lender, service_type=service_type, pages=pages, amount=amount, list_amount=list_amount,
            max_cost=max_cost, compensation=compensation, subsidy=subsidy,
            subsidy_rule=rule if subsidy else None, occurred_on=day)
        cost = amount + compensation
        Supply.objects.filter(pk=supply.pk).update(cost=cost)
        # The borrower's side learns it from the SupplyingAgencyMessage sent next (its ``cost``),
        # as a peer does: a member's request is changed only by the messages it receives.
        supply.cost = cost
    return line


# --- Statements --------------------------------------------------------------------------------

def _party(library_id, peer_id, names) -> tuple[str, str]:
    if library_id is not None:
        return names["library"][library_id]
    return names["peer"][peer_id]


def _lines(year: int, month: int | None, libraries=None):
    if month is not None and not 1 <= month <= 12:
        raise UserError(_("The month is a number from 1 to 12."), code="bad_month")
    lines = FeeLine.objects.filter(occurred_on__year=year)
    if month is not None:
        lines = lines.filter(occurred_on__month=month)
    if libraries is not None:
        ids = list(libraries.values_list("pk", flat=True)) if hasattr(libraries, "values_list") else [
            lib.pk for lib in libraries]
        lines = lines.filter(Q(borrower_id__in=ids) | Q(lender_id__in=ids))
    return lines


def _names(lines) -> dict:
    from ill.models import Peer

    library_ids = {i for pair in lines.values_list("borrower_id", "lender_id") for i in pair if i is not None}
    peer_ids = {i for pair in lines.values_list("borrower_peer_id", "lender_peer_id") for i in pair if i is not None}
    return {
        "library": {pk: (code, name) for pk, code, name in
                    Library.objects.filter(pk__in=library_ids).values_list("pk", "code", "name")},
        "peer": {pk: (f"peer:{agency}", name) for pk, agency, name in
                 Peer.objects.filter(pk__in=peer_ids).values_list("pk", "agency_id", "name")},
    }


def statement(*, year: int, month: int | None = None, library: Library | None = None, libraries=None) -> list[dict]:
    """One row per pair (borrower, lender) with fees in ``year`` (and ``month``), sorted by codes.

    ``library`` keeps the pairs it is a side of; ``libraries`` (a queryset or list) the pairs
    where one of them is a side (what a user may see).
    """
    if library is not None:
        libraries = [library] if libraries is None else [lib for lib in libraries if lib.pk == library.pk]
    lines = _lines(year, month, libraries)
    names = _names(lines)
    pairs: dict[tuple, dict] = {}
    for line in lines.values("borrower_id", "borrower_peer_id", "lender_id", "lender_peer_id", "service_type",
                             "pages", "amount", "subsidy", "compensation"):
        borrower = _party(line["borrower_id"], line["borrower_peer_id"], names)
        lender = _party(line["lender_id"], line["lender_peer_id"], names)
        row = pairs.get((borrower, lender))
        if row is None:
            row = pairs[(borrower, lender)] = {
                "borrower": borrower[0], "borrower_name": borrower[1], "lender": lender[0],
                "lender_name": lender[1], "loans": 0, "copies": 0, "requests": 0, "pages": 0, "gross": ZERO,
                "subsidy": ZERO, "compensation": ZERO, "owed": ZERO}
        row["loans" if line["service_type"] == ServiceType.LOAN else "copies"] += 1
        row["requests"] += 1
        row["pages"] += line["pages"]
        row["gross"] += line["amount"]
        row["subsidy"] += line["subsidy"]
        row["compensation"] += line["compensation"]
    for row in pairs.values():
        row["owed"] = row["gross"] - row["subsidy"] + row["compensation"]
    return [pairs[key] for key in sorted(pairs, key=lambda k: (k[0][0], k[1][0]))]


def balances(pairs: list[dict], *, only=None) -> list[dict]:
    """Each party's figures from ``pairs``: what borrowers owe it, what it owes, the net, subsidies.

    ``only`` (codes) keeps those parties (a library's staff see their own balance; the others'
    would count only the pairs they may see).
    """
    out: dict[str, dict] = {}

    def party(code, name):
        return out.setdefault(code, {"library": code, "name": name, "lent": 0, "borrowed": 0,
                                     "receivable": ZERO, "payable": ZERO, "subsidy_received": ZERO,
                                     "subsidy_for_lending": ZERO, "net": ZERO})

    for row in pairs:
        lender, borrower = party(row["lender"], row["lender_name"]), party(row["borrower"], row["borrower_name"])
        lender["lent"] += row["requests"]
        borrower["borrowed"] += row["requests"]
        lender["receivable"] += row["owed"]
        lender["subsidy_for_lending"] += row["subsidy"]
        borrower["payable"] += row["owed"]
        borrower["subsidy_received"] += row["subsidy"]
    for figures in out.values():
        figures["net"] = figures["receivable"] - figures["payable"]
    codes = sorted(out) if only is None else [c for c in sorted(out) if c in set(only)]
    return [out[c] for c in codes]


def settlement(*, year: int, month: int | None = None, libraries=None, library: Library | None = None) -> dict:
    """The statement of a period as one document: pairs, balances and totals.

    Balances are given for the libraries in ``libraries`` (or every party when None): a party
    outside them appears in pairs it shares with them, whose sum is not its balance.
    """
    pairs = statement(year=year, month=month, library=library, libraries=libraries)
    only = None
    if library is not None:
        only = {library.code}
    elif libraries is not None:
        only = {lib.code for lib in libraries}
    totals = {key: sum((row[key] for row in pairs), ZERO if key in MONEY else 0)
              for key in ("requests", "loans", "copies", "pages", *MONEY)}
    return {"year": year, "month": month, "pairs": pairs, "balances": balances(pairs, only=only), "totals": totals}


MONEY = ("gross", "subsidy", "compensation", "owed")


def period(year, month=None) -> tuple[int, int | None]:
    """The year and month of a statement from query parameters (strings), checked."""
    try:
        year = int(year) if year not in (None, "") else timezone.localdate().year
        month = int(month) if month not in (None, "") else None
    except (TypeError, ValueError):
        raise UserError(_("The year and month must be numbers."), code="bad_period") from None
    if not 2000 <= year <= 2100:
        raise UserError(_("Give a year from 2000 to 2100."), code="bad_period")
    if month is not None and not 1 <= month <= 12:
        raise UserError(_("The month is a number from 1 to 12."), code="bad_month")
    return year, month


# --- Who sees what -----------------------------------------------------------------------------

def statement_libraries(user):
    """The libraries whose statements ``user`` may read: where they are an administrator or ILL
    staff, and every library of the regions they coordinate."""
    from tenants.models import Role
    from tenants.services import access

    return access.libraries_with_role(user, Role.LIBRARY_ADMIN, Role.ILL_STAFF)


def statement_for(user, *, year, month=None, library_code: str = "") -> dict:
    """The settlement of a period as ``user`` may see it: the pairs one of their libraries is a
    side of, and those libraries' balances; ``library_code`` narrows it to one of them."""
    year, month = period(year, month)
    libraries = list(statement_libraries(user).order_by("code"))
    if not libraries:
        raise PermissionDenied(_("Only a library's administrator or ILL staff and coordinators see statements."))
    library = None
    if library_code:
        library = next((lib for lib in libraries if lib.code == library_code), None)
        if library is None:
            if not Library.objects.filter(code=library_code).exists():
                raise UserError(_("No member library has the code %(code)s.") % {"code": library_code},
                                code="bad_library")
            raise PermissionDenied(_("You may not see this library's statement."))
    return settlement(year=year, month=month, libraries=libraries, library=library)


def may_read_fees(user) -> bool:
    """Staff of any library and coordinators read the schedule and the subsidy rules."""
    from tenants.models import STAFF_ROLES, Role
    from tenants.services import access

    return access.libraries_with_role(user, *STAFF_ROLES, Role.COORDINATOR).exists()


def require_fee_reader(user) -> None:
    if not may_read_fees(user):
        raise PermissionDenied(_("Only library staff and coordinators see the fee schedule."))


def require_fee_editor(user) -> None:
    """The schedule and the subsidy rules are the consortium's: a coordinator of a top region sets them."""
    from union.services.access import is_consortium_coordinator

    if not is_consortium_coordinator(user):
        raise PermissionDenied(_("Only a coordinator of the whole consortium may change fees and subsidies."))


# --- Exports -----------------------------------------------------------------------------------

def pair_headers() -> list[str]:
    return [_("Borrowing library code"), _("Borrowing library"), _("Lending library code"), _("Lending library"),
            _("Loans"), _("Copies"), _("Pages"), _("Fees (CNY)"), _("Subsidy (CNY)"),
            _("Compensation (CNY)"), _("Borrower owes (CNY)")]


def pair_cells(row: dict) -> list:
    return [row["borrower"], row["borrower_name"], row["lender"], row["lender_name"], row["loans"], row["copies"],
            row["pages"], row["gross"], row["subsidy"], row["compensation"], row["owed"]]


def balance_headers() -> list[str]:
    return [_("Library code"), _("Library"), _("Requests lent"), _("Requests borrowed"),
            _("Owed to it (CNY)"), _("It owes (CNY)"), _("Net balance (CNY)"), _("Subsidy received (CNY)"),
            _("Subsidy paid to it for lending (CNY)")]


def balance_cells(row: dict) -> list:
    return [row["library"], row["name"], row["lent"], row["borrowed"], row["receivable"], row["payable"],
            row["net"], row["subsidy_received"], row["subsidy_for_lending"]]


def export_csv(document: dict) -> bytes:
    """The pair table, an empty line, then the balances: UTF-8 with a byte order mark for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(pair_headers())
    for row in document["pairs"]:
        writer.writerow(pair_cells(row))
    writer.writerow([])
    writer.writerow(balance_headers())
    for row in document["balances"]:
        writer.writerow(balance_cells(row))
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(document: dict) -> bytes:
    """Two sheets: the pairs and the balances, each with its header row; money as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = ((book.active, _("Pairs"), pair_headers(), [pair_cells(r) for r in document["pairs"]]),
              (book.create_sheet(), _("Balances"), balance_headers(),
               [balance_cells(r) for r in document["balances"]]))
    for sheet, title, headers, rows in sheets:
        sheet.title = title[:31]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cells in rows:
            sheet.append(cells)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(document: dict, extension: str) -> str:
    when = f"{document['year']}" + (f"-{document['month']:02d}" if document["month"] else "")
    return f"ill-statement-{when}.{extension}"

