"""Union catalogue benchmark: full rebuild throughput, incremental sync latency, matching quality.

    DATABASE_URL=postgres://... python benchmarks/union_bench.py [--records 200000] [--libraries 20]

Creates ``--libraries`` member libraries (codes ``ubench_NN``; existing ones are dropped first)
holding ``--records`` local records in all, generated with realistic overlap: editions are
drawn with a long-tailed popularity (a few titles in every school, most in one or two), and
each member keys its copy its own way (ISBN-10 or ISBN-13, hyphens, traditional characters,
full-width forms, no ISBN at all). Hard cases are mixed in: multi-volume sets sharing one set
ISBN, one ISBN printed on two different books, new editions of the same title. Every record
knows which edition it is, so the clustering can be scored.

Prints: clustering throughput of ``rebuild_union`` (records/s, with read/cluster/write times),
p50/p95 latency of incremental sync (committed local change -> union record updated, run
in-process through the outbox), and pairwise precision/recall of the clustering on the
generated data and on the labelled evaluation set of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from math import comb
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("UNIONCAT_TESTING", "1")

WORDS = ("数学 物理 化学 生物 历史 地理 语文 英语 中国 世界 少年 儿童 科学 故事 文学 经典 名著 阅读 写作 思维 "
         "艺术 音乐 美术 体育 健康 安全 自然 宇宙 地球 海洋 动物 植物 城市 乡村 古代 现代 诗词 散文 小说 童话 "
         "寓言 成语 汉字 文化 传统 创新 实验 探索 发现 百科 图说 趣味 入门 基础 教程 练习 指导 手册").split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "明华强伟芳娜敏静丽军杰涛磊洋勇艳婷雪琳晨宇浩然子轩欣怡梓涵一诺"
PUBLISHERS = ["人民教育出版社", "北京师范大学出版社", "华东师范大学出版社", "人民文学出版社", "中华书局", "商务印书馆",
              "科学出版社", "高等教育出版社", "清华大学出版社", "浙江少年儿童出版社", "二十一世纪出版社", "接力出版社",
              "中国少年儿童出版社", "译林出版社", "上海译文出版社", "长江文艺出版社", "外语教学与研究出版社",
              "江苏凤凰教育出版社", "湖南少年儿童出版社", "北京大学出版社"]
PLACES = ["北京", "上海", "南京", "杭州", "长沙", "武汉", "广州", "成都"]
CLC = ["G624", "G634", "I287", "I247", "K209", "O1", "Q-49", "N49", "H31", "J2", "G8", "X-49", "Z228", "I712"]
KINDS = ["primary", "middle", "nine_year", "high", "vocational", "college"]


def isbn13(rng: random.Random) -> str:
    body = "9787" + "".join(str(rng.randrange(10)) for _ in range(8))
    total = sum(int(ch) * (1 if i % 2 == 0 else 3) for i, ch in enumerate(body))
    return body + str((10 - total % 10) % 10)


def isbn10_form(isbn: str) -> str:
    core = isbn[3:12]
    total = sum((10 - i) * int(ch) for i, ch in enumerate(core))
    check = (11 - total % 11) % 11
    ten = core + ("X" if check == 10 else str(check))
    return f"{ten[0]}-{ten[1:5]}-{ten[5:9]}-{ten[9]}"


def make_editions(n: int, rng: random.Random) -> list[dict]:
    editions = []
    while len(editions) < n:
        title = "".join(rng.sample(WORDS, rng.choice((2, 3, 3, 4))))
        author = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        base = {"title": title, "authors": [author], "publisher": rng.choice(PUBLISHERS),
                "place": rng.choice(PLACES), "year": rng.randrange(1990, 2025), "clc": [rng.choice(CLC)],
                "isbn": isbn13(rng), "volume": "", "edition": ""}
        roll = rng.random()
        if roll < 0.04:  # a three-volume set sharing the set ISBN
            for volume in range(1, 4):
                editions.append(dict(base, volume=f"第{volume}卷"))
        elif roll < 0.06:  # a new edition of the same title, a few years later
            editions.append(base)
            editions.append(dict(base, edition="第2版", year=base["year"] + 3, isbn=isbn13(rng)))
        elif roll < 0.07 and editions:  # an ISBN printed wrongly on an unrelated book
            editions.append(dict(base, isbn=editions[-1]["isbn"]))
        else:
            editions.append(base)
    for n_, edition in enumerate(editions):
        edition["entity"] = n_
    return editions


def copy_of(edition: dict, rng: random.Random, s2t) -> dict:
    """The edition as one member catalogued it."""
    record = {k: v for k, v in edition.items() if k not in ("isbn", "entity")}
    roll = rng.random()
    if roll < 0.10:
        record["isbns"] = []
    elif roll < 0.35:
        record["isbns"] = [{"value": isbn10_form(edition["isbn"]), "isbn13": "", "valid": True, "qualifier": ""}]
    else:
        record["isbns"] = [{"value": edition["isbn"], "isbn13": edition["isbn"], "valid": True, "qualifier": ""}]
    if rng.random() < 0.12:
        record["title"] = s2t.convert(record["title"])
        record["publisher"] = s2t.convert(record["publisher"])
        record["authors"] = [s2t.convert(a) for a in record["authors"]]
    if rng.random() < 0.05:
        record["title"] = record["title"] + "  :"
    if rng.random() < 0.2:
        record["clc"] = []
    record["authors"] = [{"name": a, "role": "著", "type": "personal"} for a in record["authors"]]
    record["responsibility"] = record["authors"][0]["name"] + "著"
    return record


def pairwise(pred: dict, truth: dict) -> tuple[float, float]:
    both = Counter((pred[k], truth[k]) for k in truth)
    tp = sum(comb(n, 2) for n in both.values())
    predicted = sum(comb(n, 2) for n in Counter(pred[k] for k in truth).values())
    actual = sum(comb(n, 2) for n in Counter(truth.values()).values())
    return (tp / predicted if predicted else 1.0), (tp / actual if actual else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--libraries", type=int, default=20)
    parser.add_argument("--changes", type=int, default=200, help="incremental changes to time")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context
    from opencc import OpenCC
    from tqdm import tqdm

    from tenants.catalogue.models import Instance
    from tenants.catalogue.services.changes import record_changes
    from tenants.catalogue.services.hrid import next_hrids
    from tenants.models import Library, Region
    from tenants.services.provisioning import create_library, migrate_template_schema
    from union.matching import evaluate
    from union.models import UnionHolding
    from union.services.rebuild import rebuild

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        print("note: CELERY_BROKER_URL is set; incremental latency is measured by draining in-process")
    rng = random.Random(args.seed)
    s2t = OpenCC("s2t")

    print(f"== setting up {args.libraries} libraries, {args.records} records")
    # A new database works as it is: the public schema is migrated before the template.
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    migrate_template_schema()
    for old in Library.objects.filter(code__startswith="ubench_"):
        old.delete(force_drop=True)
    region = Region.root()
    libraries = [create_library(f"ubench_{n:02d}", name=f"基准馆{n:02d}", kind=KINDS[n % len(KINDS)], region=region)
                 for n in range(args.libraries)]
    editions = make_editions(max(10, int(args.records * 0.45)), rng)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(editions))]
    order = list(range(len(editions)))
    rng.shuffle(order)
    per_library = args.records // args.libraries
    truth: dict[tuple[int, int], int] = {}
    started = time.perf_counter()
    for library in tqdm(libraries, desc="load", unit="library"):
        picks: set[int] = set()
        while len(picks) < min(per_library, len(editions)):
            picks.update(rng.choices(order, weights=weights, k=per_library - len(picks)))
        picked = sorted(picks)
        with tenant_context(library), transaction.atomic():
            hrids = next_hrids("instance", len(picked))
            rows = []
            for hrid, index in zip(hrids, picked, strict=True):
                record = copy_of(editions[index], rng, s2t)
                rows.append(Instance(
                    hrid=hrid, record_format="unimarc", material_type="book", raw_record=b"", fingerprint=hrid,
                    encoding_level=rng.choice(["", "1", "2", "3"]), languages=["chi"], **record))
            created = Instance.objects.bulk_create(rows, batch_size=5000)
            for instance, index in zip(created, picked, strict=True):
                truth[(library.pk, instance.pk)] = editions[index]["entity"]
    connection.set_schema_to_public()
    print(f"loaded {len(truth)} records of {len(set(truth.values()))} editions in "
          f"{time.perf_counter() - started:.1f} s")

    print("== full rebuild")
    stats = rebuild(progress=lambda it, **kw: tqdm(it, **kw))
    print(f"rebuild: {stats.records} records -> {stats.clusters} union records in {stats.seconds:.1f} s "
          f"(read {stats.read_seconds:.1f} s, cluster {stats.cluster_seconds:.1f} s, write {stats.write_seconds:.1f} s)")
    print(f"clustering throughput: {stats.records / stats.seconds:,.0f} records/s overall, "
          f"{stats.records / max(stats.cluster_seconds, 1e-9):,.0f} records/s matching")
    predicted = {
        (lib, inst): ur for lib, inst, ur in UnionHolding.objects.filter(library__code__startswith="ubench_")
        .values_list("library_id", "instance_id", "union_record_id").iterator(chunk_size=20000)
    }
    precision, recall = pairwise(predicted, truth)
    print(f"matching on the generated data: precision={precision:.4f} recall={recall:.4f}")

    print(f"== incremental sync, {args.changes} changes one at a time")
    from core import outbox
    from union.services.sync import UNION_OUTBOX, drain

    drain()
    # Time the union catalogue alone: the search indexer the drain would also trigger runs
    # in-process when tasks are eager, and has its own benchmark.
    outbox.unregister_consumers(UNION_OUTBOX)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    latencies = []
    refs = rng.sample(sorted(truth), min(args.changes, len(truth)))
    for n, (library_id, instance_id) in enumerate(tqdm(refs, desc="sync", unit="change")):
        library = next(lib for lib in libraries if lib.pk == library_id)
        with tenant_context(library):
            with transaction.atomic():
                if n % 2:
                    Instance.objects.filter(pk=instance_id).update(summary=f"基准修改 {n}")
                else:
                    source = Instance.objects.get(pk=instance_id)
                    source.pk, source.hrid = None, next_hrids("instance", 1)[0]
                    source.save()
                    instance_id = source.pk
                record_changes([instance_id], "upsert", library=library)
                # The clock starts as the change commits; with eager tasks the drain queued on
                # commit runs inside the commit, otherwise it is run right after.
                committed = time.perf_counter()
            if not settings.CELERY_TASK_ALWAYS_EAGER:
                drain()
        connection.set_schema_to_public()
        if not UnionHolding.objects.filter(library_id=library_id, instance_id=instance_id).exists():
            drain()
        latencies.append(time.perf_counter() - committed)
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"incremental sync latency: p50={statistics.median(latencies) * 1000:.1f} ms "
          f"p95={p95 * 1000:.1f} ms max={latencies[-1] * 1000:.1f} ms")

    labelled = json.loads((ROOT / "tests" / "union" / "data" / "eval_set.json").read_text(encoding="utf-8"))
    result = evaluate(labelled)
    print(f"matching on the labelled evaluation set ({len(labelled)} records): "
          f"precision={result['precision']:.4f} recall={result['recall']:.4f}")


if __name__ == "__main__":
    main()
