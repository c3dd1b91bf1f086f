"""Circulation benchmark: concurrent desks lending and returning, the proofs, and a bulk import.

    DATABASE_URL=postgres://... python benchmarks/circulation_bench.py [--items 2000] [--readers 500]
        [--desks 20] [--ops 200] [--students 3000]

Builds one library (code ``cbench``; an old one is dropped first) with ``--items`` items (two
copies of each title) and ``--readers`` students under one permissive loan rule, so that every
refusal comes from the state of the items, never from a limit. Then ``--desks`` desks, each a
separate process with its own database connection inside the library's schema, start together
and each makes ``--ops`` desk operations through ``circulation.services.desk``: half check-outs
(of a random item to a random reader; one in ten aims at a few "hot" items so desks collide),
half check-ins (mostly of an item the desk lent, else of any item). A refusal (item already on
loan, not on loan...) is an answer of the desk and counted by its code, not as an error.

The desks write the catalogue outbox as in production, where a Celery worker applies it to the
union catalogue; here one drain after the run does that (timed apart).

Prints operations per second, p50/p95 latency per kind of operation and refusals by code, then
proves that no item is on two open loans, that every open loan's item is checked out and every
checked-out item has an open loan, that every lending and return the desks reported is in the
database, and that the union catalogue's availability of each title equals the copies on the
shelf. Exits 1 if a proof fails or a desk met an error.

Last, a bulk import of ``--students`` students from a CSV made in memory
(``circulation.services.reader_import``): rows per second for a dry run and for the real import.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("UNIONCAT_TESTING", "1")

CODE = "cbench"
HOT_ITEMS = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "明华强伟芳娜敏静丽军杰涛磊洋勇艳婷雪琳晨宇浩然子轩欣怡梓涵一诺"
WORDS = "数学 物理 少年 儿童 科学 故事 文学 经典 名著 阅读 自然 宇宙 地球 海洋 动物 植物 童话 寓言 成语 百科".split()


def barcode(n: int) -> str:
    return f"CB{n:07d}"


def card(n: int) -> str:
    return f"CR{n:06d}"


def build_library(items: int, readers: int, rng: random.Random):
    """The library, its titles (two copies each), readers and one permissive rule; in the union."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from circulation.models import CirculationPolicy, LoanRule, Reader
    from tenants.catalogue.models import HoldingsRecord, Instance, Item
    from tenants.catalogue.services.changes import record_changes
    from tenants.catalogue.services.hrid import next_hrids
    from tenants.models import Library, Region
    from tenants.services.provisioning import create_library, migrate_template_schema
    from union.services.sync import drain

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    migrate_template_schema()
    for old in Library.objects.filter(code=CODE):
        old.delete(force_drop=True)
    library = create_library(CODE, name="流通基准馆", kind="primary", region=Region.root(), student_count=readers)
    titles = (items + 1) // 2
    with tenant_context(library), transaction.atomic():
        instances = Instance.objects.bulk_create([
            Instance(hrid=hrid, record_format="unimarc", material_type="book", raw_record=b"", fingerprint=hrid,
                     title="".join(rng.sample(WORDS, 3)) + f" {n}", languages=["chi"])
            for n, hrid in enumerate(next_hrids("instance", titles))])
        holdings = HoldingsRecord.objects.bulk_create([
            HoldingsRecord(hrid=hrid, instance=instance, location="main", call_number="I287/1")
            for hrid, instance in zip(next_hrids("holdings", titles), instances, strict=True)])
        Item.objects.bulk_create([
            Item(hrid=hrid, holdings=holdings[n // 2], barcode=barcode(n))
            for n, hrid in enumerate(next_hrids("item", items))])
        Reader.objects.bulk_create([
            Reader(card_number=card(n), name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)))
            for n in range(readers)])
        LoanRule.objects.all().delete()
        LoanRule.objects.create(reader_kind="", material_type="", lendable=True, loan_days=30, max_items=1000,
                                max_renewals=10)
        policy = CirculationPolicy.current()
        policy.block_when_overdue = False
        policy.save()
        record_changes([i.pk for i in instances], "upsert", library=library)
    connection.set_schema_to_public()
    drain()
    return library


def desk_worker(desk: int, items: int, readers: int, ops: int, seed: int, start, results) -> None:
    """One desk in its own process: wait for the others, then lend and return ``ops`` times."""
    import django

    django.setup()
    from django_tenants.utils import tenant_context

    from circulation.exceptions import NotFound, Refused
    from circulation.services import desk as desk_service
    from core import outbox
    from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
    from tenants.models import Library

    # The union catalogue is brought up to date by a worker of its own in production; here by one
    # drain after the run, so a desk's time is the desk's own.
    outbox.unregister_consumers(CATALOGUE_OUTBOX)
    rng = random.Random(seed * 1000 + desk)
    library = Library.objects.get(code=CODE)
    actor = f"desk {desk:02d}"
    timings: list[tuple[str, float, str]] = []
    errors: list[str] = []
    lent: list[str] = []
    with tenant_context(library):
        list(Library.objects.filter(code=CODE))  # the connection is open before the clock starts
        start.wait()
        for _op in range(ops):
            if rng.random() < 0.5:
                kind = "check_out"
                n = rng.randrange(HOT_ITEMS) if rng.random() < 0.1 else rng.randrange(items)
                code_ = barcode(n)
                call = lambda code_=code_: desk_service.check_out(card(rng.randrange(readers)), code_, actor=actor)  # noqa: E731
            else:
                kind = "check_in"
                code_ = lent.pop(rng.randrange(len(lent))) if lent and rng.random() < 0.8 else barcode(
                    rng.randrange(items))
                call = lambda code_=code_: desk_service.check_in(code_, actor=actor)  # noqa: E731
            began = time.perf_counter()
            try:
                call()
                outcome = "ok"
                if kind == "check_out":
                    lent.append(code_)
            except (Refused, NotFound) as exc:
                outcome = exc.code
            except Exception as exc:  # noqa: BLE001 - counted and shown: the benchmark fails on any
                outcome = "error"
                errors.append(f"{kind} {code_}: {exc!r}")
            timings.append((kind, time.perf_counter() - began, outcome))
    results.put((desk, timings, errors))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(len(ordered) * share)) - 1))]


def run_desks(args, desks: int, seed: int) -> tuple[list, list, float]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(desks + 1)
    results = context.Queue()
    processes = [context.Process(target=desk_worker, args=(d, args.items, args.readers, args.ops, seed, start,
                                                           results)) for d in range(desks)]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    collected = [results.get() for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    timings = [t for _desk, desk_timings, _errors in collected for t in desk_timings]
    errors = [e for _desk, _timings, desk_errors in collected for e in desk_errors]
    return timings, errors, elapsed


def report_desks(timings: list, errors: list, elapsed: float, desks: int) -> Counter:
    print(f"{len(timings)} operations by {desks} desk(s) in {elapsed:.2f} s: "
          f"{len(timings) / elapsed:,.0f} operations/s")
    outcomes: Counter = Counter()
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, seconds, outcome in timings:
        outcomes[(kind, outcome)] += 1
        by_kind[kind].append(seconds)
        by_kind[f"{kind} ({'done' if outcome == 'ok' else 'refused'})"].append(seconds)
    for kind in sorted(by_kind):
        values = by_kind[kind]
        print(f"  {kind:<22} n={len(values):>5}  p50={statistics.median(values) * 1000:7.1f} ms  "
              f"p95={percentile(values, 0.95) * 1000:7.1f} ms  max={max(values) * 1000:7.1f} ms")
    print("outcomes: " + ", ".join(f"{kind} {outcome}: {n}" for (kind, outcome), n in sorted(outcomes.items())))
    if errors:
        print(f"ERRORS ({len(errors)}):")
        for error in errors[:20]:
            print("  " + error)
    return outcomes


def prove(library, outcomes: Counter) -> list[str]:
    """Each proof that fails, with what was found."""
    from django.db import connection
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from circulation.models import Loan
    from tenants.catalogue.models import Item, ItemStatus
    from tenants.catalogue.workflow import is_available
    from union.models import UnionHolding
    from union.services.sync import drain

    failed = []
    with tenant_context(library):
        doubles = list(Loan.objects.filter(status=Loan.Status.OPEN).values("item").annotate(n=Count("id"))
                       .filter(n__gt=1).values_list("item", "n"))
        if doubles:
            failed.append(f"items on two open loans: {doubles[:10]}")
        open_items = set(Loan.objects.filter(status=Loan.Status.OPEN).values_list("item", flat=True))
        checked_out = set(Item.objects.filter(status=ItemStatus.CHECKED_OUT).values_list("pk", flat=True))
        if open_items - checked_out:
            failed.append(f"open loans whose item is not checked out: {sorted(open_items - checked_out)[:10]}")
        if checked_out - open_items:
            failed.append(f"checked-out items without an open loan: {sorted(checked_out - open_items)[:10]}")
        loans = Loan.objects.count()
        returned = Loan.objects.filter(status=Loan.Status.RETURNED).count()
        if loans != outcomes[("check_out", "ok")]:
            failed.append(f"{loans} loans in the database, {outcomes[('check_out', 'ok')]} lendings reported")
        if returned != outcomes[("check_in", "ok")]:
            failed.append(f"{returned} returned loans, {outcomes[('check_in', 'ok')]} returns reported")
        shelf: Counter = Counter()
        total: Counter = Counter()
        for instance_id, status in Item.objects.values_list("holdings__instance", "status"):
            total[instance_id] += 1
            shelf[instance_id] += is_available(status)
        print(f"open loans: {len(open_items)}, items checked out: {len(checked_out)}, loans in all: {loans}")
    connection.set_schema_to_public()

    began = time.perf_counter()
    applied = drain()
    print(f"union catalogue: {applied} outbox rows applied in {time.perf_counter() - began:.2f} s")
    union = {instance_id: (available, items) for instance_id, available, items in UnionHolding.objects.filter(
        library=library).values_list("instance_id", "items_available", "items_total")}
    wrong = [(i, union.get(i), (shelf[i], total[i])) for i in total if union.get(i) != (shelf[i], total[i])]
    if wrong:
        failed.append(f"{len(wrong)} titles whose union availability is not the shelf's (instance, union, shelf): "
                      f"{wrong[:10]}")
    else:
        print(f"union availability matches the shelf for all {len(total)} titles")
    return failed


def students_csv(count: int, rng: random.Random) -> bytes:
    lines = ["card_number,name,student_number,grade,class"]
    for n in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        lines.append(f"IM{n:06d},{name},2026{n:06d},{1 + n % 6},{1 + (n // 6) % 10}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def bench_import(library, count: int, rng: random.Random) -> list[str]:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.services.reader_import import import_readers

    data = students_csv(count, rng)
    failed = []
    with tenant_context(library):
        for dry_run in (True, False):
            began = time.perf_counter()
            report = import_readers(data, "students.csv", dry_run=dry_run, actor="benchmark")
            seconds = time.perf_counter() - began
            print(f"import of {count} students ({'dry run' if dry_run else 'real'}): {report.rows} rows in "
                  f"{seconds:.2f} s, {report.rows / seconds:,.0f} rows/s; created {report.created}, "
                  f"updated {report.updated}, errors {len(report.errors)}")
            if report.errors or report.rows != count:
                failed.append(f"import ({'dry run' if dry_run else 'real'}): {report.rows} rows, "
                              f"errors {report.errors[:5]}")
        from circulation.models import Reader

        made = Reader.objects.filter(card_number__startswith="IM").count()
        if made != count:
            failed.append(f"the import made {made} readers of {count}")
    connection.set_schema_to_public()
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=500)
    parser.add_argument("--desks", type=int, default=20)
    parser.add_argument("--ops", type=int, default=200, help="operations per desk")
    parser.add_argument("--students", type=int, default=3000, help="students in the bulk import")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.items < HOT_ITEMS or args.readers < 1:
        parser.error(f"at least {HOT_ITEMS} items and one reader")

    import django

    django.setup()
    from core import outbox
    from union.services.sync import UNION_OUTBOX

    # The search index has its own benchmark: the union drains here stop at the union catalogue.
    outbox.unregister_consumers(UNION_OUTBOX)
    rng = random.Random(args.seed)
    print(f"== one library, {args.items} items, {args.readers} readers")
    began = time.perf_counter()
    library = build_library(args.items, args.readers, rng)
    print(f"built in {time.perf_counter() - began:.1f} s")

    # One desk alone first, on the same machine in the same run: the concurrent figures are read
    # as ratios to it, which hold on a shared and noisy machine where absolute times do not.
    print(f"== one desk alone, {args.ops} operations")
    alone, alone_errors, alone_elapsed = run_desks(args, 1, args.seed + 1)
    outcomes = report_desks(alone, alone_errors, alone_elapsed, 1)
    print(f"== {args.desks} desks, {args.ops} operations each")
    timings, errors, elapsed = run_desks(args, args.desks, args.seed)
    outcomes += report_desks(timings, errors, elapsed, args.desks)
    errors += alone_errors
    alone_p50 = statistics.median(seconds for _kind, seconds, _outcome in alone)
    print(f"ratios to one desk alone: throughput x{(len(timings) / elapsed) / (len(alone) / alone_elapsed):.2f} "
          f"with {args.desks} desks; latency p50 x{statistics.median(s for _k, s, _o in timings) / alone_p50:.1f}, "
          f"p95 x{percentile([s for _k, s, _o in timings], 0.95) / alone_p50:.1f} (of the lone desk's p50)")

    print("== proofs")
    failed = prove(library, outcomes)
    if errors:
        failed.append(f"{len(errors)} desk operations failed with an error")

    print(f"== bulk import of {args.students} students")
    failed += bench_import(library, args.students, rng)

    if failed:
        print("FAILED:")
        for problem in failed:
            print("  " + problem)
        sys.exit(1)
    print("all proofs hold")


if __name__ == "__main__":
    main()
