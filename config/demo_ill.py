"""Interlibrary loan in the demo consortium: requests in every state a borrower sees, a month of fees.

Everything goes through the ILL services, as the libraries' clerks would do it: readers' requests
placed and approved (or not), the rota asking lenders in turn (one school is closed, so its turn is
skipped; one lender answers by itself from its shelf), lenders answering, printing pull slips,
picking and shipping through their circulation, borrowers receiving, lending to the reader and
sending back, scans sent for copy requests, a loss compensated, and one request offered to an
outside consortium that cannot be reached from the demo.

The services stamp everything "now"; afterwards the dates are moved back (demo back-dating only,
``_backdate``) so each request's history spreads over the past weeks as the story chose it, every
fee falls in November 2026, and the figures (time per stage, turnaround, stuck requests) show
something real.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import tenant_context

from config.demo_circulation import TODAY
from core import outbox
from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
from tenants.models import Library, Membership, Region, Role

# The clerks act; the story ends at the close of the demo's "today".
END_OF_STORY = dt.time(16, 30)
# The demo's outside consortium: nothing listens there, so its messages wait to be sent again.
PEER_AGENCY = "DEMO-OUTSIDE"
PEER_ENDPOINT = "http://127.0.0.1:9/iso18626"
# Extra copies each lender puts on the shelf for the demo's loans.
EXTRA_COPIES = 3


@dataclass
class Plan:
    """One request's story: who borrows which kind of title, how far it goes, how long ago it stopped."""

    borrower: str
    titles: str  # X: only xishan_voc lends, P: only province_college, C: dongcheng_mid (xishan_nine closed), Z: none
    path: tuple
    idle_hours: float
    reader_request: bool = False
    service_type: str = "Loan"
    note: str = ""


@dataclass
class Box:
    request: object = None
    extra: dict = field(default_factory=dict)


# Steps and the hours that pass before each (after the one before it).
GAPS = {"approve": 4, "reject": 5, "answer": 20, "expect": 18, "condition": 22, "accept": 6, "slip": 2, "pick": 1,
        "ship": 3, "receive": 46, "lend": 5, "returned": 260, "ship_return": 20, "check_in": 46, "copy": 30,
        "lost": 120, "lender_lost": 30, "compensated": 70, "unfilled": 26, "cancel": 28, "peer": 3,
        "cancel_pending": 20}
TO_COMPLETED = ("answer", "slip", "pick", "ship", "receive", "lend", "returned", "ship_return", "check_in")

PLANS = [
    # Completed loans and copies between several pairs: the month's fees.
    Plan("dongcheng_no1", "X", TO_COMPLETED, 150, reader_request=True),
    Plan("dongcheng_mid", "P", TO_COMPLETED, 170),
    Plan("xishan_voc", "C", TO_COMPLETED, 120),
    Plan("province_college", "C", TO_COMPLETED, 200),
    Plan("dongcheng_no1", "C", TO_COMPLETED, 60, reader_request=True),
    Plan("dongcheng_mid", "X", TO_COMPLETED, 90),
    Plan("province_college", "X", ("condition", "accept", "slip", "pick", "ship", "receive", "lend", "returned",
                                   "ship_return", "check_in"), 30),
    Plan("dongcheng_mid", "X", ("copy",), 100, service_type="Copy"),
    Plan("province_college", "C", ("copy",), 40, service_type="Copy"),
    Plan("dongcheng_no1", "P", ("copy",), 20, service_type="Copy", reader_request=True),
    Plan("xishan_voc", "C", ("answer", "slip", "pick", "ship", "receive", "lend", "lost", "lender_lost",
                             "compensated"), 50),
    Plan("dongcheng_no1", "X", ("answer", "slip", "pick", "ship", "receive", "lend", "lost"), 70),
    # Open requests, one in each state.
    Plan("dongcheng_no1", "X", (), 150, reader_request=True, note="写作文要用"),
    Plan("dongcheng_no1", "P", (), 5, reader_request=True),
    Plan("dongcheng_mid", "X", (), 10),
    Plan("dongcheng_no1", "X", ("expect",), 36),
    Plan("province_college", "C", ("condition",), 24),
    Plan("dongcheng_mid", "P", ("answer",), 8),
    Plan("xishan_voc", "C", ("answer", "slip"), 170),
    Plan("province_college", "C", ("answer", "slip", "pick"), 3),
    Plan("dongcheng_no1", "X", ("answer", "slip", "pick", "ship"), 26),
    Plan("dongcheng_mid", "P", ("answer", "slip", "pick", "ship", "receive"), 4),
    Plan("dongcheng_no1", "C", ("answer", "slip", "pick", "ship", "receive", "lend"), 120),
    Plan("dongcheng_mid", "P", ("answer", "slip", "pick", "ship", "receive", "lend"), 200),
    Plan("province_college", "C", ("answer", "slip", "pick", "ship", "receive", "lend", "returned"), 6),
    Plan("dongcheng_no1", "P", ("answer", "slip", "pick", "ship", "receive", "lend", "returned", "ship_return"), 22),
    Plan("xishan_voc", "C", ("unfilled",), 48),
    Plan("dongcheng_no1", "X", ("cancel",), 70, reader_request=True),
    Plan("dongcheng_no1", "X", ("reject",), 90, reader_request=True),
    Plan("dongcheng_no1", "Z", ("peer", "cancel_pending"), 2),
]


class Clock:
    """Real moments the story's steps started at, and the moment each step is told to have happened."""

    def __init__(self):
        self.real: list[dt.datetime] = []
        self.told: list[dt.datetime] = []

    def mark(self, told: dt.datetime) -> None:
        self.real.append(timezone.now())
        self.told.append(told)

    def __call__(self, moment: dt.datetime | None) -> dt.datetime | None:
        if moment is None:
            return None
        n = bisect.bisect_right(self.real, moment) - 1
        if n < 0:
            return moment
        return self.told[n] + (moment - self.real[n])


def build_ill(progress=print) -> None:
    """Give the demo consortium its interlibrary loans; skipped when it has requests already."""
    from ill.models import IllRequest

    libraries = {lib.code: lib for lib in Library.objects.filter(code__in=[
        "dongcheng_no1", "dongcheng_mid", "xishan_voc", "xishan_nine", "province_college"])}
    if len(libraries) < 5:
        return []
    if IllRequest.objects.filter(borrower__in=libraries.values()).exists():
        return
    clerks = _clerks(libraries)
    began = timezone.now()
    titles = _setup(libraries, clerks)
    clock = Clock()
    story = _Story(libraries, clerks, titles, clock)
    with outbox.held(CATALOGUE_OUTBOX):
        for n, plan in enumerate(PLANS):
            story.tell(plan, n)
    _backdate(clock, began)
    progress(f"ILL: {len(PLANS)} requests between the demo libraries")


def _clerks(libraries: dict[str, Library]) -> dict:
    """Each library's ILL clerk (made with the demo's logins), else its administrator."""
    clerks = {}
    for code, library in libraries.items():
        found = Membership.objects.filter(library=library, role=Role.ILL_STAFF).select_related("user").first()
        clerks[code] = found.user if found else _admin(library)
    return clerks


def _admin(library: Library):
    return Membership.objects.filter(library=library, role=Role.LIBRARY_ADMIN).select_related("user").first().user


def _held(codes) -> dict[int, dict[str, int]]:
    """Union records held by the demo libraries: record -> {library code: copies on the shelf now}."""
    from tenants.catalogue.models import Item
    from tenants.catalogue.workflow import loanable_q
    from union.models import UnionHolding

    found: dict[int, dict[str, int]] = {}
    for holding in UnionHolding.objects.filter(library__code__in=codes).select_related("library"):
        found.setdefault(holding.union_record_id, {}).setdefault(holding.library.code, 0)
    for code in codes:
        library = Library.objects.get(code=code)
        instance_of = dict(UnionHolding.objects.filter(library=library).values_list("instance_id", "union_record_id"))
        with tenant_context(library):
            for instance_id in Item.objects.filter(loanable_q()).values_list("holdings__instance_id", flat=True):
                if instance_id in instance_of:
                    found[instance_of[instance_id]][code] += 1
    return found


def _setup(libraries: dict[str, Library], clerks) -> dict[str, list]:
    """Settings, a closed school, a subsidy, an outside peer, and the copies the story lends."""
    from circulation.models import CalendarPeriod
    from ill.models import LibraryIllSettings, SubsidyRule
    from ill.services import fees, peers
    from union.models import UnionRecord
    from union.services.cataloguing import add_item

    for code, library in libraries.items():
        settings = LibraryIllSettings.for_library(library)
        settings.pickup_points = ["图书馆前台"] if code != "province_college" else ["总馆流通台", "东校区分馆"]
        if code == "province_college":
            # The college answers incoming requests at once from its shelf; its readers' requests go out
            # without approval.
            settings.auto_respond, settings.approval_required = True, False
        settings.save()
    # xishan_nine is closed while its library moves: the rota passes over it with the dates.
    today = timezone.localdate()
    with tenant_context(libraries["xishan_nine"]):
        CalendarPeriod.objects.get_or_create(
            kind=CalendarPeriod.Kind.CLOSED, name="图书室搬迁闭馆",
            defaults={"starts_on": today - dt.timedelta(days=4), "ends_on": today + dt.timedelta(days=12),
                      "library_open": False})
    subsidy = "西山县中小学馆际互借补贴"
    if not SubsidyRule.objects.filter(name=subsidy, year=TODAY.year).exists():
        fees.save_rule(name=subsidy, region=Region.objects.get(code="demo_west"), percent=50,
                       yearly_cap=Decimal("300"), year=TODAY.year)
    peers.configure_peer(agency_id=PEER_AGENCY, name="邻省高校图书馆联盟（演示：未连通）", endpoint=PEER_ENDPOINT,
                         version="2017", courier_days=5)

    held = _held(list(libraries))
    marc21 = sorted(r for r, at in held.items() if {"xishan_voc", "province_college"} <= set(at)
                    and not {"dongcheng_no1", "dongcheng_mid"} & set(at))
    cnmarc = sorted(r for r, at in held.items() if {"dongcheng_no1", "dongcheng_mid", "xishan_nine"} <= set(at))
    # X: province_college has none on its shelf, so xishan_voc lends them; P the other way round.
    x = [r for r in marc21 if held[r]["province_college"] == 0][:5]
    p = [r for r in marc21 if held[r]["xishan_voc"] == 0 and r not in x][:5]
    z = [r for r in cnmarc if held[r]["dongcheng_mid"] == 0 and held[r]["xishan_nine"] == 0
         and held[r]["dongcheng_no1"] == 0][:1]
    c = [r for r in cnmarc if held[r]["dongcheng_no1"] == 0 and r not in z][:6]
    records = {r.pk: r for r in UnionRecord.objects.filter(pk__in=x + p + c + z)}
    shelves = [("xishan_voc", x, EXTRA_COPIES), ("province_college", p, EXTRA_COPIES),
               ("dongcheng_mid", c, EXTRA_COPIES), ("xishan_nine", c, 1)]
    with outbox.held(CATALOGUE_OUTBOX):
        for code, chosen, copies in shelves:
            library = libraries[code]
            admin = _admin(library)
            instance_of = {}
            for record in chosen:
                holding = records[record].holdings.filter(library=library).order_by("instance_id").first()
                instance_of[record] = holding.instance_id
            for instance_id in instance_of.values():
                for n in range(copies):
                    add_item(library, instance_id, admin, barcode=f"ILLD{code[:3].upper()}{instance_id:05d}{n}",
                             call_number=f"G/{instance_id:03d}", location="馆际互借架")
    return {"X": [records[r] for r in x], "P": [records[r] for r in p], "C": [records[r] for r in c],
            "Z": [records[r] for r in z]}


def _scan(pages: int) -> io.BytesIO:
    """A small real PDF, as a scanner would make it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for n in range(1, pages + 1):
        page.setFont("Helvetica", 14)
        page.drawString(72, 770, f"Interlibrary loan copy - page {n} of {pages}")
        page.showPage()
    page.save()
    out.seek(0)
    out.name = "scan.pdf"
    return out


class _Story:
    def __init__(self, libraries, clerks, titles, clock):
        self.libraries, self.clerks, self.titles, self.clock = libraries, clerks, titles, clock
        self.rng = random.Random("ill demo")
        self.used_readers: set[tuple[str, int]] = set()
        self.turn: dict[str, int] = {}
        self.end = timezone.make_aware(dt.datetime.combine(TODAY, END_OF_STORY), timezone.get_current_timezone())

    def reader(self, code: str):
        """A student of ``code`` who may borrow (no open loans or charges) and has no request yet."""
        from circulation.models import Reader

        with tenant_context(self.libraries[code]):
            for reader in (Reader.objects.filter(kind="student", status="active").exclude(loans__status="open")
                           .exclude(charges__status="open").order_by("pk")):
                if (code, reader.pk) not in self.used_readers:
                    self.used_readers.add((code, reader.pk))
                    return reader
        raise RuntimeError(f"no free reader at {code}")

    def title(self, kind: str):
        n = self.turn.get(kind, 0)
        self.turn[kind] = n + 1
        chosen = self.titles[kind]
        return chosen[n % len(chosen)]

    def tell(self, plan: Plan, n: int) -> None:
        # A reader's request waits for approval (not at the college): approved unless the story
        # stops there or rejects it.
        approved = plan.reader_request and plan.borrower != "province_college" and plan.path[:1] not in ((), ("reject",))
        steps = ["approve"] * approved + list(plan.path)
        hours = [GAPS[s] * self.rng.uniform(0.7, 1.3) for s in steps]
        moment = self.end - dt.timedelta(hours=plan.idle_hours + sum(hours) + self.rng.uniform(0, 1.5))
        box = Box()
        self.clock.mark(moment)
        self._place(box, plan)
        for step, gap in zip(steps, hours, strict=True):
            moment += dt.timedelta(hours=gap)
            self.clock.mark(moment)
            getattr(self, f"do_{step}")(box, plan)

    # --- steps ---

    def _place(self, box: Box, plan: Plan) -> None:
        from ill.services import requests

        library = self.libraries[plan.borrower]
        record = self.title(plan.titles)
        box.request = requests.place_request(
            borrower=library, union_record=record, reader=self.reader(plan.borrower),
            service_type=plan.service_type, pages="12-30" if plan.service_type == "Copy" else "",
            part_title="第三章" if plan.service_type == "Copy" else "", by_staff=not plan.reader_request,
            note=plan.note, needed_by=TODAY + dt.timedelta(days=30),
            pickup_point="总馆流通台" if plan.borrower == "province_college" else "图书馆前台",
            actor=self.clerks[plan.borrower])

    def _supply(self, box: Box):
        from ill.models import Supply

        return Supply.objects.filter(request=box.request).order_by("-pk").first()

    def _lender_clerk(self, supply):
        return self.clerks[supply.lender.code]

    def _refresh(self, box: Box) -> None:
        box.request.refresh_from_db()

    def do_approve(self, box, plan):
        from ill.services import requests

        requests.approve(box.request, actor=self.clerks[plan.borrower])
        self._refresh(box)

    def do_reject(self, box, plan):
        from ill.services import requests

        requests.reject(box.request, actor=self.clerks[plan.borrower], note="本校图书室已订购此书，下周到馆")

    def do_cancel(self, box, plan):
        from ill.services import requests

        self._refresh(box)
        requests.cancel(box.request, actor=self.clerks[plan.borrower], note="读者已不需要")

    def _answer(self, box, decision, **kwargs):
        from ill.models import Supply
        from ill.services import lending

        supply = self._supply(box)
        if supply.status == Supply.Status.NEW:  # an auto-responder may have answered already
            lending.answer(supply, decision, actor=self._lender_clerk(supply), **kwargs)
        self._refresh(box)

    def do_answer(self, box, plan):
        self._answer(box, "will_supply")

    def do_expect(self, box, plan):
        self._answer(box, "expect_to_supply", note="书在装订，下周可借出")

    def do_condition(self, box, plan):
        self._answer(box, "condition", condition="LibraryUseOnly", note="珍藏本，只可在馆内阅览")

    def do_unfilled(self, box, plan):
        self._answer(box, "unfilled", reason="PoorCondition", note="书页破损，正在修补")
        self._refresh(box)

    def do_accept(self, box, plan):
        from ill.services import borrowing

        borrowing.accept_condition(box.request, actor=self.clerks[plan.borrower])

    def do_slip(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        lending.pull_slips(supply.lender, [supply], actor=self._lender_clerk(supply))

    def do_pick(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        barcode = supply.item_barcode or lending.choose_copy(supply).get("item_barcode", "")
        lending.pick(supply, barcode, actor=self._lender_clerk(supply))

    def do_ship(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        lending.ship(supply, actor=self._lender_clerk(supply))
        self._refresh(box)

    def do_receive(self, box, plan):
        from ill.services import borrowing

        self._refresh(box)
        borrowing.receive(box.request, actor=self.clerks[plan.borrower])

    def do_lend(self, box, plan):
        from ill.services import borrowing

        self._refresh(box)
        borrowing.lend_to_reader(box.request, actor=self.clerks[plan.borrower])

    def do_returned(self, box, plan):
        from ill.services import borrowing

        self._refresh(box)
        borrowing.reader_returned(box.request, actor=self.clerks[plan.borrower])

    def do_ship_return(self, box, plan):
        from ill.services import borrowing

        self._refresh(box)
        borrowing.ship_return(box.request, actor=self.clerks[plan.borrower])

    def do_check_in(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        lending.check_in(supply, barcode=supply.item_barcode, actor=self._lender_clerk(supply))

    def do_copy(self, box, plan):
        from ill.services import copies

        supply = self._supply(box)
        pages = 19
        copies.upload_copy(supply, _scan(pages), pages=pages, declaration=True, actor=self._lender_clerk(supply))

    def do_lost(self, box, plan):
        from ill.services import borrowing

        self._refresh(box)
        borrowing.declare_lost(box.request, actor=self.clerks[plan.borrower], note="读者搬家时遗失")

    def do_lender_lost(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        lending.declare_lost(supply, actor=self._lender_clerk(supply), note="借入馆报告遗失")

    def do_compensated(self, box, plan):
        from ill.services import lending

        supply = self._supply(box)
        lending.compensated(supply, amount=Decimal("45.00"), actor=self._lender_clerk(supply))

    def do_peer(self, box, plan):
        from ill.models import Peer
        from ill.services import peers

        self._refresh(box)
        peers.offer_to_peer(box.request, Peer.objects.get(agency_id=PEER_AGENCY), actor=self.clerks[plan.borrower])

    def do_cancel_pending(self, box, plan):
        self.do_cancel(box, plan)


def _backdate(clock: Clock, began: dt.datetime) -> None:
    """Demo back-dating: move every ILL timestamp written since ``began`` to the moment its step is
    told to have happened (the services stamp "now"; nothing else ever changes these columns)."""
    from django.db.models import Q

    from ill.models import (
        CopyDelivery,
        FeeLine,
        IllMessage,
        IllRequest,
        IllRequestStatusChange,
        Notification,
        RotaEntry,
        Supply,
        SupplyStatusChange,
    )

    def move(model, fields, since_field):
        rows = list(model.objects.filter(**{f"{since_field}__gte": began}))
        for row in rows:
            for name in fields:
                setattr(row, name, clock(getattr(row, name)))
        model.objects.bulk_update(rows, fields, batch_size=500)
        return rows

    move(IllRequest, ["created_at", "updated_at", "status_changed_at", "closed_at"], "created_at")
    supplies = move(Supply, ["created_at", "updated_at", "status_changed_at", "closed_at"], "created_at")
    move(IllRequestStatusChange, ["at"], "at")
    move(SupplyStatusChange, ["at"], "at")
    move(IllMessage, ["created_at", "sent_at"], "created_at")
    move(Notification, ["created_at", "read_at"], "created_at")
    move(CopyDelivery, ["uploaded_at", "expires_at"], "uploaded_at")
    entries = list(RotaEntry.objects.filter(Q(asked_at__gte=began) | Q(answered_at__gte=began)))
    for entry in entries:
        entry.asked_at, entry.answered_at = clock(entry.asked_at), clock(entry.answered_at)
    RotaEntry.objects.bulk_update(entries, ["asked_at", "answered_at"])
    closed = {s.pk: s.closed_at for s in supplies if s.closed_at}
    lines = list(FeeLine.objects.filter(supply_id__in=list(closed)))
    for line in lines:
        line.occurred_on = timezone.localdate(closed[line.supply_id])
    FeeLine.objects.bulk_update(lines, ["occurred_on"])
    # The loans the ILL steps opened in the lenders' and borrowers' circulation.
    from circulation.models import DeskEvent, Loan

    for library in Library.objects.filter(ill_settings__isnull=False):
        with tenant_context(library):
            loans = list(Loan.objects.filter(loaned_at__gte=began))
            loans += list(Loan.objects.filter(returned_at__gte=began, loaned_at__lt=began))
            for loan in loans:
                loan.loaned_at, loan.returned_at = clock(loan.loaned_at), clock(loan.returned_at)
            Loan.objects.bulk_update(loans, ["loaned_at", "returned_at"])
            events = list(DeskEvent.objects.filter(at__gte=began))
            for event in events:
                event.at = clock(event.at)
            DeskEvent.objects.bulk_update(events, ["at"])
