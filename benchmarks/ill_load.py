"""ILL load benchmark: the staff of many libraries drive requests to completion over the API at once.

    DATABASE_URL=postgres://... python benchmarks/ill_load.py [--libraries 20] [--titles 300]
        [--holders 4] [--readers 30] [--requests 200] [--workers 8] [--port 8765] [--timeout 900]

Builds its own consortium (libraries ``ilb01``..., an old one is dropped first with its ILL rows):
``--titles`` titles, each held by ``--holders`` libraries with two barcoded copies, clustered into
one union catalogue; ``--readers`` students per library; day-one loan rules; one ILL clerk per
worker with an API token (TokenAuthentication), who works for several libraries, so that two
workers serve each library and race for the same requests. A few libraries answer incoming
requests by themselves (auto-respond).

Then it starts the real web server on 127.0.0.1 (``manage.py runserver --noreload``, DEBUG off,
a SECRET_KEY of its own, Celery tasks in-process) and runs ``--workers`` threads, each with its own
HTTP session and token. Each worker, as the staff of its libraries, places requests for readers
(until ``--requests`` are placed in all), and works the queues over the API: as lender it answers
(one in ten unfilled, so the rota moves on), prints pull slips, picks, ships and checks in; as
borrower it receives, lends to the reader, takes the copy back and ships it back. A refusal
(409, 404, 400 with a code: a race lost to the other worker, a duplicate, a copy on the borrower's
own shelf) is an answer, counted by code, not an error; an error is a 5xx or a broken connection.
One worker alone first, then all together, in the same run: ratios to the lone worker hold on a
shared, noisy machine where absolute times do not.

Prints requests completed per second, p50/p95 of each action's HTTP latency, refusals by code,
and then proves that every request and supply is in a state of its table (and a completed request
completed on both sides), that no request was supplied twice, that every state change has its
audit row (each state is the last audit row's, and the rows chain), and that every copy away on
loan is an open circulation loan of the lender with its item ``on_ill_loan`` (and nothing else is).
Exits 1 if a proof fails or a worker met an error.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("UNIONCAT_TESTING", "1")

PREFIX = "ilb"
REGIONS = ("ilb_east", "ilb_west")
WORDS = "数学 物理 少年 儿童 科学 故事 文学 经典 名著 阅读 自然 宇宙 地球 海洋 动物 植物 童话 寓言 成语 百科".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
FINAL = {"completed", "copy_delivered", "end_of_rota", "cancelled", "rejected", "completed_without_return"}
BORROWER_STEPS = {"shipped": "receive", "received": "lend", "with_reader": "returned",
                  "returned_by_reader": "ship-return"}


def code(n: int) -> str:
    return f"{PREFIX}{n + 1:02d}"


def isbn(n: int) -> str:
    body = f"9787{n:08d}"
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


# --- Building the consortium --------------------------------------------------------------------------

def drop_old() -> None:
    from ill.models import FeeLine, IllMessage, IllRequest, Notification, Supply
    from tenants.models import Library, Region

    old = Library.objects.filter(code__startswith=PREFIX)
    FeeLine.objects.filter(lender__in=old).delete()
    FeeLine.objects.filter(borrower__in=old).delete()
    Notification.objects.filter(library__in=old).delete()
    IllMessage.objects.filter(request__borrower__in=old).delete()
    IllMessage.objects.filter(supply__lender__in=old).delete()
    Supply.objects.filter(lender__in=old).delete()
    IllRequest.objects.filter(borrower__in=old).delete()
    for library in old:
        library.delete(force_drop=True)
    Region.objects.filter(code__in=REGIONS).delete()


def build(args, rng: random.Random):
    """The libraries, their titles and readers, the union catalogue, the clerks and their tokens."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    from circulation.models import CirculationPolicy, Reader
    from circulation.services.rules import install_default_rules
    from ill.models import LibraryIllSettings
    from tenants.catalogue.models import HoldingsRecord, Instance, Item
    from tenants.catalogue.services.changes import record_changes
    from tenants.catalogue.services.hrid import next_hrids
    from tenants.models import Membership, Region, Role
    from tenants.services.provisioning import create_library, migrate_template_schema
    from union.services.sync import drain

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    migrate_template_schema()
    drop_old()
    root = Region.root()
    regions = [Region.objects.create(code=c, name=c, name_en=c, level=Region.Level.DISTRICT, parent=root)
               for c in REGIONS]
    libraries = [create_library(code(n), name=f"馆际基准馆{n + 1:02d}", kind="middle", region=regions[n % 2],
                                student_count=1000) for n in range(args.libraries)]
    titles = [("".join(rng.sample(WORDS, 3)) + f" {t}", isbn(t)) for t in range(args.titles)]
    holders = {t: rng.sample(range(args.libraries), args.holders) for t in range(args.titles)}
    held_by: dict[int, list[int]] = defaultdict(list)
    for t, libs in holders.items():
        for n in libs:
            held_by[n].append(t)
    for n, library in enumerate(libraries):
        mine = held_by[n]
        with tenant_context(library), transaction.atomic():
            instances = Instance.objects.bulk_create([
                Instance(hrid=hrid, record_format="unimarc", material_type="book", raw_record=b"",
                         fingerprint=f"{library.code}-{t}", title=titles[t][0], languages=["chi"],
                         authors=[{"name": "基准作者", "role": "", "type": "personal"}],
                         isbns=[{"value": titles[t][1], "isbn13": titles[t][1], "valid": True, "qualifier": ""}])
                for t, hrid in zip(mine, next_hrids("instance", len(mine)), strict=True)])
            holdings = HoldingsRecord.objects.bulk_create([
                HoldingsRecord(hrid=hrid, instance=instance, location="stacks", call_number=f"G/{t}")
                for hrid, instance, t in zip(next_hrids("holdings", len(mine)), instances, mine, strict=True)])
            Item.objects.bulk_create([
                Item(hrid=hrid, holdings=holdings[k // 2], barcode=f"{library.code.upper()}{mine[k // 2]:05d}{k % 2}")
                for k, hrid in enumerate(next_hrids("item", 2 * len(mine)))])
            Reader.objects.bulk_create([
                Reader(card_number=f"{library.code.upper()}R{r:04d}",
                       name=rng.choice(SURNAMES) + "".join(rng.sample(WORDS, 1)))
                for r in range(args.readers)])
            install_default_rules()
            policy = CirculationPolicy.current()
            policy.block_when_overdue = False
            policy.save()
            record_changes([i.pk for i in instances], "upsert", library=library)
        connection.set_schema_to_public()
        settings = LibraryIllSettings.for_library(library)
        settings.auto_respond = n % 5 == 4
        settings.save()
    drain()
    User = get_user_model()
    tokens = []
    # One clerk per worker, serving its libraries; the last one serves them all (the lone worker).
    for w in range(args.workers + 1):
        user, _created = User.objects.get_or_create(username=f"{PREFIX}_clerk{w:02d}")
        for n in (served_by(w, args) if w < args.workers else range(args.libraries)):
            Membership.objects.get_or_create(user=user, role=Role.ILL_STAFF, library=libraries[n])
        Token.objects.filter(user=user).delete()
        tokens.append(Token.objects.create(user=user).key)
    from union.models import UnionRecord

    urids = {}
    for t, (_title, number) in enumerate(titles):
        record = UnionRecord.objects.filter(isbns__contains=[number], deleted=False,
                                            holdings__library__in=libraries).first()
        if record is not None:
            urids[t] = record.urid
    return libraries, holders, urids, tokens


def served_by(worker: int, args) -> list[int]:
    """The libraries a worker serves: two workers serve each library (when there are two or more)."""
    return sorted({n for n in range(args.libraries) if n % args.workers == worker
                   or (args.workers > 1 and (n + 1) % args.workers == worker)})


# --- The server ----------------------------------------------------------------------------------------

def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "127.0.0.1",
           "UNIONCAT_TESTING": "0"}
    env.pop("CELERY_BROKER_URL", None)
    # The server's log (a line per request) goes to a file: a pipe nobody reads would fill and stop it.
    log = tempfile.NamedTemporaryFile(prefix="ill-load-server-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}",
                               "--noreload"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server.log_path = log.name
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped: " + Path(log.name).read_text(errors="replace")[-2000:])
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not answer in 90 s")


# --- The workers ------------------------------------------------------------------------------------------

class Shared:
    """What the workers share: how many requests to place, the numbers placed, the clock."""

    def __init__(self, target: int, deadline: float):
        self.lock = threading.Lock()
        self.target, self.placed, self.numbers, self.deadline = target, 0, {}, deadline

    def claim(self) -> bool:
        with self.lock:
            if self.placed >= self.target:
                return False
            self.placed += 1
            return True

    def unclaim(self) -> None:
        with self.lock:
            self.placed -= 1


class Worker:
    def __init__(self, n: int, args, base: str, token: str, libraries, holders, urids, shared: Shared, seed: int):
        import requests

        self.n, self.args, self.base, self.shared = n, args, base, shared
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.mine = [libraries[k].code for k in served_by(n, args)]
        self.index = {lib.code: k for k, lib in enumerate(libraries)}
        self.holders, self.urids = holders, urids
        self.rng = random.Random(seed * 100 + n)
        self.timings: list[tuple[str, float, str]] = []
        self.errors: list[str] = []
        self.refusals_in_a_row = 0

    def call(self, action: str, method: str, path: str, **kwargs):
        import requests

        began = time.perf_counter()
        try:
            answer = self.session.request(method, self.base + path, timeout=120, **kwargs)
        except requests.RequestException as exc:
            self.timings.append((action, time.perf_counter() - began, "error"))
            self.errors.append(f"{action} {path}: {exc!r}"[:300])
            return None
        seconds = time.perf_counter() - began
        if answer.status_code >= 500:
            outcome = "error"
            self.errors.append(f"{action} {path}: HTTP {answer.status_code} {answer.text[:200]}")
        elif answer.status_code >= 400:
            try:
                outcome = str(answer.json().get("code") or answer.status_code)
            except ValueError:
                outcome = str(answer.status_code)
        else:
            outcome = "ok"
        self.timings.append((action, seconds, outcome))
        return answer if outcome == "ok" else None

    def place(self) -> bool:
        if not self.shared.claim():
            return False
        library = self.rng.choice(self.mine)
        k = self.index[library]
        wanted = [t for t in self.urids if k not in self.holders[t]]
        t = self.rng.choice(wanted)
        card = f"{library.upper()}R{self.rng.randrange(self.args.readers):04d}"
        answer = self.call("place", "POST", f"/api/v1/ill/libraries/{library}/requests/",
                           json={"urid": self.urids[t], "card_number": card})
        if answer is None:
            self.shared.unclaim()
            return True
        with self.shared.lock:
            self.shared.numbers[answer.json()["number"]] = library
        return True

    def lend(self, library: str) -> int:
        """One pass over the library's incoming queue (as lender)."""
        answer = self.call("queue", "GET", f"/api/v1/ill/libraries/{library}/supplies/", params={"limit": 50})
        if answer is None:
            return 0
        done = 0
        for supply in answer.json()["results"]:
            path = f"/api/v1/ill/libraries/{library}/supplies/{supply['number']}/"
            status = supply["status"]
            if status == "new":
                if self.rng.random() < 0.1:
                    done += bool(self.call("answer", "POST", path + "answer/",
                                           json={"decision": "unfilled", "reason": "NotOnShelf"}))
                else:
                    done += bool(self.call("answer", "POST", path + "answer/", json={"decision": "will_supply"}))
            elif status == "will_supply":
                done += bool(self.call("pull_slips", "GET", f"/api/v1/ill/libraries/{library}/supplies/pull-slips/",
                                       params={"numbers": supply["number"]}))
            elif status == "pull_slip_printed":
                done += self.pick(path, supply["item_barcode"])
            elif status == "awaiting_shipping":
                done += bool(self.call("ship", "POST", path + "ship/", json={}))
            elif status == "return_shipped":
                done += bool(self.call("check_in", "POST", path + "check-in/",
                                       json={"barcode": supply["item_barcode"]}))
        return done

    def pick(self, path: str, barcode: str) -> bool:
        """Take the copy on the slip; when another request took it first, the other copy (the bench's
        titles have two, barcodes ending 0 and 1); with neither on the shelf, answer unfilled."""
        tried = [barcode, barcode[:-1] + ("1" if barcode.endswith("0") else "0")] if barcode else []
        for code_ in tried:
            if self.call("pick", "POST", path + "pick/", json={"barcode": code_}):
                return True
            if self.timings[-1][2] != "not_on_shelf":
                return False
        return bool(self.call("answer", "POST", path + "answer/", json={"decision": "unfilled",
                                                                         "reason": "NotOnShelf"}))

    def borrow(self, library: str) -> int:
        """One pass over the library's own requests that wait for its staff (as borrower)."""
        answer = self.call("requests", "GET", f"/api/v1/ill/libraries/{library}/requests/",
                           params={"status": ",".join(BORROWER_STEPS), "limit": 50})
        if answer is None:
            return 0
        done = 0
        for request in answer.json()["results"]:
            step = BORROWER_STEPS.get(request["status"])
            if step:
                path = f"/api/v1/ill/libraries/{library}/requests/{request['number']}/{step}/"
                done += bool(self.call(step.replace("-", "_"), "POST", path, json={}))
        return done

    def run(self, start: threading.Barrier, finished) -> None:
        start.wait()
        idle = 0
        while time.monotonic() < self.shared.deadline and not finished():
            work = 0
            if self.rng.random() < 0.5:
                work += self.place()
            library = self.rng.choice(self.mine)
            work += self.lend(library)
            work += self.borrow(library)
            idle = 0 if work else idle + 1
            if idle:
                time.sleep(min(0.05 * idle, 0.5))


def run_workers(args, count: int, target: int, base: str, tokens, libraries, holders, urids, seed: int):
    from ill.models import IllRequest

    shared = Shared(target, time.monotonic() + args.timeout)
    workers = [Worker(w, argparse.Namespace(**{**vars(args), "workers": count}), base, token, libraries,
                      holders, urids, shared, seed) for w, token in enumerate(tokens)]
    check = {"at": 0.0, "done": False}

    def finished() -> bool:
        if shared.placed < shared.target:
            return False
        now = time.monotonic()
        with shared.lock:
            if check["done"] or now - check["at"] < 1.0:
                return check["done"]
            check["at"] = now
            numbers = list(shared.numbers)
        from django.db import connection

        left = IllRequest.objects.filter(number__in=numbers).exclude(status__in=FINAL).count()
        connection.close()
        check["done"] = left == 0 and len(numbers) >= shared.target
        return check["done"]

    start = threading.Barrier(count + 1)
    threads = [threading.Thread(target=w.run, args=(start, finished)) for w in workers]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    timings = [t for w in workers for t in w.timings]
    errors = [e for w in workers for e in w.errors]
    return shared.numbers, timings, errors, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(len(ordered) * share)) - 1))]


def report(numbers: dict, timings: list, errors: list, elapsed: float, workers: int) -> dict[str, float]:
    from ill.models import IllRequest

    states = Counter(IllRequest.objects.filter(number__in=list(numbers)).values_list("status", flat=True))
    completed = states["completed"]
    print(f"{len(numbers)} requests placed by {workers} worker(s) in {elapsed:.1f} s: {completed} completed "
          f"({completed / elapsed:.2f} completed/s), {len(timings)} HTTP calls ({len(timings) / elapsed:.1f}/s)")
    print("  end states: " + ", ".join(f"{s} {n}" for s, n in sorted(states.items())))
    by_action: dict[str, list[float]] = defaultdict(list)
    refusals: Counter = Counter()
    for action, seconds, outcome in timings:
        by_action[action].append(seconds)
        if outcome != "ok":
            refusals[(action, outcome)] += 1
    p95 = {}
    for action in sorted(by_action):
        values = by_action[action]
        p95[action] = percentile(values, 0.95)
        print(f"  {action:<12} n={len(values):>5}  p50={statistics.median(values) * 1000:7.1f} ms  "
              f"p95={p95[action] * 1000:7.1f} ms  max={max(values) * 1000:7.1f} ms")
    print("  refusals: " + (", ".join(f"{a} {o}: {n}" for (a, o), n in sorted(refusals.items())) or "none"))
    if errors:
        print(f"  ERRORS ({len(errors)}):")
        for error in errors[:20]:
            print("    " + error)
    return p95


# --- Proofs --------------------------------------------------------------------------------------------

def prove(libraries) -> list[str]:
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from circulation.models import Loan, Reader
    from ill.models import IllRequest, IllRequestStatusChange, Supply, SupplyStatusChange
    from ill.workflow import ON_LOAN, REQUESTER, SUPPLIER
    from tenants.catalogue.models import Item

    failed = []
    requests = IllRequest.objects.filter(borrower__in=libraries)
    supplies = Supply.objects.filter(lender__in=libraries)
    bad = [r.number for r in requests if r.status not in REQUESTER.states]
    bad += [s.number for s in supplies if s.status not in SUPPLIER.states]
    if bad:
        failed.append(f"not a state of the tables: {bad[:10]}")
    half = [r.number for r in requests.filter(status="completed")
            if not r.supplies.filter(status="loan_completed").exists()]
    if half:
        failed.append(f"completed requests whose lender did not complete: {half[:10]}")
    half = [s.number for s in supplies.filter(status="loan_completed") if s.request.status != "completed"]
    if half:
        failed.append(f"completed supplies whose request is not completed: {half[:10]}")
    twice = list(supplies.filter(status__in=Supply.ACTIVE).values("request").annotate(n=Count("pk"))
                 .filter(n__gt=1).values_list("request", "n"))
    if twice:
        failed.append(f"requests with two active supplies: {twice[:10]}")
    shipped = list(SupplyStatusChange.objects.filter(subject__lender__in=libraries, to_state="loaned",
                                                     from_state__in=("will_supply", "pull_slip_printed",
                                                                     "awaiting_shipping"))
                   .values("subject__request").annotate(n=Count("pk")).filter(n__gt=1)
                   .values_list("subject__request", "n"))
    if shipped:
        failed.append(f"requests shipped more than once: {shipped[:10]}")
    transitions = 0
    for subjects, audit in ((requests, IllRequestStatusChange), (supplies, SupplyStatusChange)):
        trails = defaultdict(list)
        for subject_id, from_state, to_state in (audit.objects.filter(subject__in=subjects).order_by("at", "id")
                                                 .values_list("subject_id", "from_state", "to_state")):
            trails[subject_id].append((from_state, to_state))
        for subject in subjects:
            trail = trails.get(subject.pk, [])
            transitions += sum(1 for a, b in trail if a != b)
            if not trail or trail[-1][1] != subject.status:
                failed.append(f"{subject.number} is {subject.status}, its last audit row says "
                              f"{trail[-1] if trail else None}")
            elif any(a[1] != b[0] for a, b in zip(trail, trail[1:], strict=False)):
                failed.append(f"{subject.number}: audit rows do not chain: {trail}")
    away = defaultdict(dict)
    for supply in supplies.filter(status__in=ON_LOAN):
        away[supply.lender_id][supply.loan_id] = supply
    loans_checked = 0
    for library in libraries:
        with tenant_context(library):
            partner_loans = {loan.pk: loan for loan in Loan.objects.filter(
                status=Loan.Status.OPEN, reader__kind=Reader.Kind.LIBRARY)}
            for loan_id, supply in away[library.pk].items():
                loan = partner_loans.get(loan_id)
                item = Item.objects.filter(pk=supply.item_id).first()
                if loan is None or loan.item_id != supply.item_id:
                    failed.append(f"{supply.number} is {supply.status} without its open loan at {library.code}")
                elif item is None or item.status != "on_ill_loan":
                    failed.append(f"{supply.number}: the copy lent is {getattr(item, 'status', None)}")
                loans_checked += 1
            strays = set(partner_loans) - set(away[library.pk])
            if strays:
                failed.append(f"{library.code}: open partner-library loans with no supply away: {sorted(strays)[:10]}")
            strays = set(Item.objects.filter(status="on_ill_loan").values_list("pk", flat=True)) - {
                s.item_id for s in away[library.pk].values()}
            if strays:
                failed.append(f"{library.code}: items on ILL loan with no supply away: {sorted(strays)[:10]}")
    print(f"{requests.count()} requests, {supplies.count()} supplies, {transitions} state changes each with its "
          f"audit row, {loans_checked} copies away each on an open loan of its lender")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--libraries", type=int, default=20)
    parser.add_argument("--titles", type=int, default=300)
    parser.add_argument("--holders", type=int, default=4, help="libraries holding each title")
    parser.add_argument("--readers", type=int, default=30, help="students per library")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--alone", type=int, default=0, help="requests of the lone worker (default: an eighth)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=900, help="seconds each phase may take at most")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.libraries < 3 or not 2 <= args.holders < args.libraries or args.workers < 1:
        parser.error("at least three libraries, two to libraries-1 holders, one worker")
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL (the benchmark builds its own libraries in that database)")

    import django

    django.setup()
    from core import outbox
    from union.services.sync import UNION_OUTBOX

    # The search index has its own benchmark: union drains stop at the union catalogue.
    outbox.unregister_consumers(UNION_OUTBOX)
    rng = random.Random(args.seed)
    print(f"== {args.libraries} libraries, {args.titles} titles held by {args.holders} each, "
          f"{args.readers} readers per library")
    began = time.perf_counter()
    libraries, holders, urids, tokens = build(args, rng)
    print(f"built in {time.perf_counter() - began:.1f} s; {len(set(urids.values()))} union records")
    server = start_server(args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        alone = args.alone or max(5, args.requests // 8)
        print(f"== one worker alone, {alone} requests")
        numbers, timings, errors, elapsed = run_workers(args, 1, alone, base, tokens[-1:], libraries, holders,
                                                        urids, args.seed + 1)
        alone_p95 = report(numbers, timings, errors, elapsed, 1)
        alone_rate = sum(1 for _a, _s, o in timings if o == "ok") / elapsed
        print(f"== {args.workers} workers, {args.requests} requests")
        numbers, timings, load_errors, elapsed = run_workers(args, args.workers, args.requests, base,
                                                             tokens[:-1], libraries, holders, urids, args.seed)
        load_p95 = report(numbers, timings, load_errors, elapsed, args.workers)
        errors += load_errors
        load_rate = sum(1 for _a, _s, o in timings if o == "ok") / elapsed
        print(f"ratios to the lone worker: successful calls/s x{load_rate / alone_rate:.2f} with {args.workers} "
              "workers; p95 under load / p95 alone: " + ", ".join(
                  f"{a} x{load_p95[a] / alone_p95[a]:.1f}" for a in sorted(load_p95) if a in alone_p95))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log = Path(server.log_path)
        if errors:
            print("server log (last lines):\n" + "\n".join(server_log.read_text(errors="replace").splitlines()[-30:]))
        server_log.unlink(missing_ok=True)

    print("== proofs")
    failed = prove(libraries)
    if errors:
        failed.append(f"{len(errors)} HTTP calls failed with an error")
    if failed:
        print("FAILED:")
        for problem in failed:
            print("  " + problem)
        sys.exit(1)
    print("all proofs hold")


if __name__ == "__main__":
    main()
