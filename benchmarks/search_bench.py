"""Search benchmark: index build rate and query latency on a generated union catalogue.

    DATABASE_URL=postgres://.../bench_db python benchmarks/search_bench.py [--records 1000000]

1. Generates realistic union records (Chinese, English and a little French/Japanese: titles
   built from common title words and famous works, authors, publishers, CLC numbers, ISBNs,
   holdings in 40 member libraries across 8 districts) straight into the union tables with
   COPY. Records from an earlier run are kept and topped up (``--fresh`` starts over).
2. Rebuilds the search index (``search.services.reindex_all``) and prints the build rate.
3. Runs 200 mixed queries (broad and narrow words, exact titles, pinyin and initials, ISBN-10/13,
   CLC prefixes, fielded and boolean searches, filters, sorts, deep pages) through the REST API
   (Django test client, full stack) and, for the same queries, the bare SQL GIN lookup (the
   floor: ``SELECT count(*)`` under the same WHERE clause, i.e. finding every match, which
   any answer with a total must do) and, for a sample, an unindexed scan (the ceiling: the same
   WHERE with index scans disabled). Prints p50/p95 of each and their ratios.

Use a database of its own: the run writes to the union tables and the search index.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from isbnlib import check_digit10, check_digit13  # noqa: E402
from opencc import OpenCC  # noqa: E402
from pypinyin import Style, lazy_pinyin  # noqa: E402
from tqdm import tqdm  # noqa: E402

from search.backends import get_backend  # noqa: E402
from search.services import reindex_all  # noqa: E402
from search.services.indexing import BATCH_SIZE  # noqa: E402, F401
from tenants.models import Library, Region  # noqa: E402
from union.models import UnionHolding, UnionRecord  # noqa: E402

# --- The generator ----------------------------------------------------------------------------

FAMOUS = [
    "西游记",
    "红楼梦",
    "三国演义",
    "水浒传",
    "围城",
    "骆驼祥子",
    "呐喊",
    "彷徨",
    "朝花夕拾",
    "平凡的世界",
    "活着",
    "边城",
    "茶馆",
    "雷雨",
    "家",
    "春",
    "秋",
    "子夜",
    "四世同堂",
    "城南旧事",
    "繁星春水",
    "草房子",
    "钢铁是怎样炼成的",
    "简爱",
    "巴黎圣母院",
    "老人与海",
    "鲁滨逊漂流记",
    "格列佛游记",
    "昆虫记",
    "海底两万里",
    "论语",
    "孟子",
    "庄子",
    "史记",
    "资治通鉴",
    "唐诗三百首",
    "宋词三百首",
    "聊斋志异",
    "儒林外史",
    "镜花缘",
]
VARIANTS = [
    "",
    "",
    "",
    "（青少年版）",
    "（插图本）",
    "（注音版）",
    "导读",
    "赏析",
    "研究",
    "选读",
    "（全二册）",
]
SUBJECTS = [
    "中国",
    "历史",
    "文学",
    "数学",
    "物理",
    "化学",
    "生物",
    "地理",
    "政治",
    "经济",
    "哲学",
    "艺术",
    "音乐",
    "美术",
    "计算机",
    "程序设计",
    "数据结构",
    "英语",
    "语文",
    "教育",
    "心理学",
    "管理学",
    "法律",
    "医学",
    "农业",
    "环境",
    "科学",
    "技术",
    "工程",
    "社会",
    "文化",
    "古代",
    "现代",
    "当代",
    "世界",
    "儿童",
    "青少年",
    "小学",
    "中学",
    "大学",
    "城市",
    "乡村",
    "自然",
    "宇宙",
    "海洋",
    "植物",
    "动物",
    "网络",
    "人工智能",
    "信息",
]
FORMS = [
    "概论",
    "研究",
    "史",
    "教程",
    "基础",
    "导论",
    "原理",
    "习题集",
    "手册",
    "读本",
    "词典",
    "故事",
    "简史",
    "与实践",
]
EN_ADJ = [
    "Modern",
    "Advanced",
    "Practical",
    "Applied",
    "Chinese",
    "World",
    "Early",
    "Classical",
    "New",
    "Essential",
]
EN_SUBJ = [
    "History",
    "Mathematics",
    "Physics",
    "Chemistry",
    "Biology",
    "Literature",
    "Philosophy",
    "Economics",
    "Music",
    "Art",
    "Education",
    "Psychology",
    "Computer Science",
    "Algorithms",
    "Statistics",
    "Geography",
    "Poetry",
    "Linguistics",
    "Ecology",
    "Astronomy",
    "Law",
    "Medicine",
    "Engineering",
    "Programming",
    "Data Structures",
]
EN_FAMOUS = [
    "Journey to the West",
    "Dream of the Red Chamber",
    "Pride and Prejudice",
    "The Old Man and the Sea",
    "Harry Potter and the Philosopher's Stone",
    "The Little Prince",
    "Charlotte's Web",
    "A Brief History of Time",
    "The Origin of Species",
    "Robinson Crusoe",
    "Gulliver's Travels",
    "Jane Eyre",
    "Animal Farm",
    "Nineteen Eighty-Four",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玉兰春晓红海波宁鹏飞志国庆东雪梅"
EN_FIRST = [
    "John",
    "Mary",
    "David",
    "Sarah",
    "Michael",
    "Emma",
    "James",
    "Laura",
    "Peter",
    "Anna",
    "Victor",
    "Jane",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Hugo",
    "Austen",
]
PUBLISHERS = [
    "人民文学出版社",
    "高等教育出版社",
    "清华大学出版社",
    "北京大学出版社",
    "商务印书馆",
    "中华书局",
    "人民教育出版社",
    "科学出版社",
    "机械工业出版社",
    "上海古籍出版社",
    "少年儿童出版社",
    "译林出版社",
    "中信出版社",
    "电子工业出版社",
    "外语教学与研究出版社",
    "浙江少年儿童出版社",
    "接力出版社",
    "作家出版社",
    "三联书店",
    "化学工业出版社",
]
EN_PUBLISHERS = [
    "Penguin",
    "Oxford University Press",
    "Cambridge University Press",
    "Springer",
    "Wiley",
    "Bloomsbury",
]
CLC_WEIGHTS = {
    "I": 22,
    "G": 14,
    "H": 9,
    "K": 8,
    "T": 10,
    "O": 7,
    "B": 4,
    "D": 4,
    "F": 5,
    "J": 5,
    "R": 3,
    "Q": 3,
    "P": 2,
    "S": 1,
    "N": 1,
    "X": 1,
    "Z": 1,
    "A": 1,
    "C": 1,
    "E": 1,
    "U": 1,
    "V": 1,
}
MATERIALS = ["book"] * 90 + ["serial"] * 4 + ["electronic"] * 2 + ["map", "audio", "video", "score"]
DISTRICTS = [f"bench_d{n}" for n in range(8)]
N_LIBRARIES = 40

_s2t = OpenCC("s2t")


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def isbn13(rng: random.Random, chinese: bool) -> str:
    body = ("9787" if chinese else "9780") + "".join(rng.choice("0123456789") for _ in range(8))
    return body + check_digit13(body)


def clc_number(rng: random.Random) -> str:
    letter = rng.choices(list(CLC_WEIGHTS), weights=list(CLC_WEIGHTS.values()))[0]
    if letter == "T" and rng.random() < 0.6:
        letter = "TP"
    code = (
        letter
        + str(rng.randint(0, 9))
        + str(rng.randint(0, 9)) * rng.randint(0, 1)
        + str(rng.randint(0, 9)) * rng.randint(0, 1)
    )
    if rng.random() < 0.5:
        code += "." + str(rng.randint(1, 9)) * rng.randint(1, 2)
    return code


def generate_record(n: int, rng: random.Random) -> dict:
    lang_roll = rng.random()
    chinese = lang_roll < 0.80
    if chinese:
        roll = rng.random()
        if roll < 0.08:
            title = rng.choice(FAMOUS) + rng.choice(VARIANTS)
        elif roll < 0.55:
            title = rng.choice(SUBJECTS) + rng.choice(SUBJECTS) + rng.choice(FORMS)
        elif roll < 0.85:
            title = (
                rng.choice(SUBJECTS)
                + rng.choice(FORMS)
                + (f" 第{rng.randint(1, 12)}版" if rng.random() < 0.3 else "")
            )
        else:
            title = f"{rng.choice(SUBJECTS)}与{rng.choice(SUBJECTS)}" + rng.choice(FORMS)
        if rng.random() < 0.03:
            title = _s2t.convert(title)  # catalogued in traditional characters
        authors = [{"name": chinese_name(rng)} for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        publisher = rng.choice(PUBLISHERS)
        subjects = [
            rng.choice(SUBJECTS) + rng.choice(("", "研究", "教学", "史")) for _ in range(rng.randint(0, 3))
        ]
        languages = ["chi"]
        summary = (
            f"本书介绍{rng.choice(SUBJECTS)}的{rng.choice(FORMS)}，适合{rng.choice(('中学生', '大学生', '教师', '青少年', '一般读者'))}阅读。"
            if rng.random() < 0.4
            else ""
        )
    else:
        if rng.random() < 0.1:
            title = rng.choice(EN_FAMOUS)
        else:
            title = (
                rng.choice(("", "An Introduction to ", "A History of ", "Topics in ", "Foundations of "))
                + f"{rng.choice(EN_ADJ)} {rng.choice(EN_SUBJ)}"
            )
        authors = [
            {"name": f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"} for _ in range(rng.choice((1, 1, 2)))
        ]
        publisher = rng.choice(EN_PUBLISHERS)
        subjects = [rng.choice(EN_SUBJ) for _ in range(rng.randint(0, 2))]
        languages = [rng.choices(["eng", "fre", "jpn", "ger"], weights=[85, 5, 7, 3])[0]]
        summary = ""
    year = min(2025, max(1950, int(rng.triangular(1950, 2026, 2016))))
    material = rng.choice(MATERIALS)
    return {
        "urid": f"B{n:09d}",
        "title": title,
        "authors": authors,
        "responsibility": " ".join(a["name"] for a in authors),
        "publisher": publisher,
        "year": year,
        "isbns": [isbn13(rng, chinese)] if material == "book" and rng.random() < 0.9 else [],
        "languages": languages,
        "clc": [clc_number(rng)],
        "subjects": subjects,
        "summary": summary,
        "material_type": material,
    }


def holdings_for(rng: random.Random, libraries: list[int]) -> list[tuple[int, int, int, int]]:
    """(library id, items total, available, loanable): most records in one or two libraries."""
    count = min(len(libraries), max(1, int(rng.paretovariate(1.6))))
    out = []
    for lib in rng.sample(libraries, count):
        total = rng.choice((1, 1, 1, 2, 3, 5))
        available = rng.randint(0, total)
        loanable = available if rng.random() < 0.9 else 0
        out.append((lib, total, available, loanable))
    return out


def ensure_libraries() -> list[int]:
    from tenants.services.provisioning import create_library

    province, _ = Region.objects.get_or_create(
        code="bench_prov", defaults={"name": "基准省", "level": "province"}
    )
    for i, code in enumerate(DISTRICTS):
        Region.objects.get_or_create(
            code=code, defaults={"name": f"第{i + 1}区", "level": "district", "parent": province}
        )
    ids = []
    for n in range(N_LIBRARIES):
        code = f"bench_lib{n:02d}"
        lib = Library.objects.filter(code=code).first()
        if lib is None:
            lib = create_library(
                code, name=f"基准学校{n:02d}", kind="middle", region=DISTRICTS[n % len(DISTRICTS)]
            )
        ids.append(lib.pk)
    return ids


def generate(target: int, seed: int) -> None:
    existing = UnionRecord.objects.filter(urid__startswith="B").count()
    if existing >= target:
        print(f"catalogue: {existing} generated records already present")
        return
    libraries = ensure_libraries()
    rng = random.Random(seed + existing)
    chunk = 20000
    with tqdm(total=target - existing, unit="rec", desc="generate") as bar:
        n = existing
        while n < target:
            size = min(chunk, target - n)
            recs = [generate_record(n + i + 1, rng) for i in range(size)]
            objs = [
                UnionRecord(
                    urid=r["urid"],
                    title=r["title"],
                    responsibility=r["responsibility"],
                    authors=r["authors"],
                    publisher=r["publisher"],
                    year=r["year"],
                    isbns=r["isbns"],
                    languages=r["languages"],
                    clc=r["clc"],
                    subjects=r["subjects"],
                    summary=r["summary"],
                    material_type=r["material_type"],
                )
                for r in recs
            ]
            with transaction.atomic():
                UnionRecord.objects.bulk_create(objs, batch_size=2000)
                holdings = [
                    UnionHolding(
                        union_record_id=obj.pk,
                        library_id=lib,
                        instance_id=obj.pk,
                        call_number=f"{obj.clc[0]}/{obj.pk % 997}",
                        items_total=total,
                        items_available=available,
                        items_loanable=loanable,
                    )
                    for obj in objs
                    for lib, total, available, loanable in holdings_for(rng, libraries)
                ]
                UnionHolding.objects.bulk_create(holdings, batch_size=5000)
            n += size
            bar.update(size)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE union_unionrecord; ANALYZE union_unionholding")


# --- Queries -----------------------------------------------------------------------------------


def pinyin_of(title: str, initials: bool) -> str:
    han = "".join(ch for ch in title if "\u4e00" <= ch <= "\u9fff")
    syllables = lazy_pinyin(han, style=Style.FIRST_LETTER if initials else Style.NORMAL)
    return "".join(syllables)


def build_queries(count: int, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    sample = list(
        UnionRecord.objects.filter(urid__startswith="B")
        .order_by("?")
        .values("title", "isbns", "clc", "authors")[:500]
    )
    chinese = [r for r in sample if any("\u4e00" <= c <= "\u9fff" for c in r["title"])]
    english = [r for r in sample if r["title"].isascii()]
    with_isbn = [r for r in sample if r["isbns"]]
    kinds = [
        ("broad word", lambda: {"q": rng.choice(SUBJECTS)}),
        ("two words", lambda: {"q": f"{rng.choice(SUBJECTS)} {rng.choice(FORMS)}"}),
        ("exact title", lambda: {"q": rng.choice(chinese)["title"]}),
        ("famous work", lambda: {"q": rng.choice(FAMOUS)}),
        ("english words", lambda: {"q": f"{rng.choice(EN_ADJ)} {rng.choice(EN_SUBJ)}".lower()}),
        ("english title", lambda: {"q": rng.choice(english)["title"]}),
        ("pinyin", lambda: {"q": pinyin_of(rng.choice(FAMOUS), False)}),
        ("pinyin initials", lambda: {"q": pinyin_of(rng.choice(FAMOUS), True) or "xyj"}),
        ("isbn-13", lambda: {"q": rng.choice(with_isbn)["isbns"][0]}),
        (
            "isbn-10",
            lambda: {
                "isbn": isbn10_of(
                    rng.choice([r for r in with_isbn if r["isbns"][0].startswith("978")])["isbns"][0]
                )
            },
        ),
        ("clc prefix", lambda: {"clc": rng.choice(sample)["clc"][0][:3]}),
        ("author", lambda: {"author": rng.choice(chinese)["authors"][0]["name"]}),
        (
            "fielded boolean",
            lambda: {
                "q": f"title:{rng.choice(SUBJECTS)} AND ({rng.choice(FORMS)} OR {rng.choice(FORMS)}) -{rng.choice(SUBJECTS)}"
            },
        ),
        (
            "word + filters",
            lambda: {
                "q": rng.choice(SUBJECTS),
                "library": f"bench_lib{rng.randint(0, N_LIBRARIES - 1):02d}",
                "available": "true",
            },
        ),
        ("word + year sort", lambda: {"q": rng.choice(SUBJECTS), "sort": "year_desc", "year_from": 2000}),
        ("deep page", lambda: {"q": rng.choice(SUBJECTS), "offset": 200, "limit": 20}),
        ("traditional", lambda: {"q": _s2t.convert(rng.choice(FAMOUS))}),
    ]
    out = []
    for i in range(count):
        name, make = kinds[i % len(kinds)]
        out.append((name, make()))
    rng.shuffle(out)
    return out


def isbn10_of(isbn13_: str) -> str:
    body = isbn13_[3:12]
    return body + check_digit10(body)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--ceiling-queries", type=int, default=20, help="queries timed with an unindexed scan"
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="delete generated records first")
    parser.add_argument("--workers", type=int, default=2, help="processes preparing index rows")
    parser.add_argument("--skip-index", action="store_true", help="reuse the index of an earlier run")
    args = parser.parse_args()

    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    if args.fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM union_unionholding WHERE union_record_id IN "
                "(SELECT id FROM union_unionrecord WHERE urid LIKE 'B%%')"
            )
            cursor.execute("DELETE FROM union_unionrecord WHERE urid LIKE 'B%%'")
    generate(args.records, args.seed)
    UnionRecord.objects.filter(urid__startswith="T").delete()
    total = UnionRecord.objects.filter(deleted=False).count()
    backend = get_backend("postgres")

    if not args.skip_index:
        backend.clear()
        started = time.perf_counter()
        with tqdm(total=total, unit="rec", desc="index") as bar:
            reindex_all(backend="postgres", batch_size=2000, progress=bar.update, workers=args.workers)
        elapsed = time.perf_counter() - started
        print(f"index build: {total} records in {elapsed:.1f} s = {total / elapsed:.0f} records/s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_document")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('search_document'))")
        print(f"index size (table + indexes): {cursor.fetchone()[0]}")

    queries = build_queries(args.queries, args.seed)
    client = Client()
    from django.http import QueryDict

    from search.services.params import search_query

    # Warm-up: one pass so caches hold the same pages for every measurement.
    for _name, params in queries[:20]:
        client.get("/api/v1/search/", params)

    api_ms, floor_ms, per_kind, counts = [], [], {}, []
    for name, params in tqdm(queries, desc="queries", unit="q"):
        qd = QueryDict(mutable=True)
        for k, v in params.items():
            qd[k] = str(v)
        where, wparams, _toks = backend.where(search_query(qd))
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM search_document WHERE {where}", wparams)
            matches = cursor.fetchone()[0]
        t1 = time.perf_counter()
        response = client.get("/api/v1/search/", params)
        t2 = time.perf_counter()
        assert response.status_code == 200, (params, response.content[:300])
        assert response.json()["count"] == matches, (params, matches, response.json()["count"])
        floor_ms.append((t1 - t0) * 1000)
        api_ms.append((t2 - t1) * 1000)
        counts.append(matches)
        per_kind.setdefault(name, []).append(((t2 - t1) * 1000, (t1 - t0) * 1000, matches))

    ceiling_ms = []
    for _name, params in queries[: args.ceiling_queries]:
        qd = QueryDict(mutable=True)
        for k, v in params.items():
            qd[k] = str(v)
        where, wparams, _toks = backend.where(search_query(qd))
        with connection.cursor() as cursor:
            cursor.execute("SET enable_bitmapscan = off")
            cursor.execute("SET enable_indexscan = off")
            cursor.execute("SET enable_indexonlyscan = off")
            t0 = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM search_document WHERE {where}", wparams)
            cursor.fetchone()
            ceiling_ms.append((time.perf_counter() - t0) * 1000)
            cursor.execute("RESET ALL")

    out = io.StringIO()
    print(
        f"\nrecords: {total}   queries: {len(queries)}   matches per query: median {statistics.median(counts):.0f}, max {max(counts)}",
        file=out,
    )
    print(f"{'':28} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9}", file=out)
    for label, values in (
        ("REST API (full stack)", api_ms),
        ("bare GIN lookup (floor)", floor_ms),
        (f"unindexed scan ({len(ceiling_ms)} q)", ceiling_ms),
    ):
        if values:
            print(
                f"{label:28} {percentile(values, 50):9.1f} {percentile(values, 95):9.1f} {statistics.mean(values):9.1f}",
                file=out,
            )
    ratio = percentile(api_ms, 95) / max(percentile(floor_ms, 95), 1e-6)
    print(f"API p95 / floor p95 = {ratio:.2f}  (target <= 3)", file=out)
    if ceiling_ms:
        print(f"ceiling p95 / API p95 = {percentile(ceiling_ms, 95) / percentile(api_ms, 95):.1f}", file=out)
    print("\nby kind: API p95 ms / floor p95 ms / median matches", file=out)
    for name, rows in sorted(per_kind.items()):
        a = [r[0] for r in rows]
        f = [r[1] for r in rows]
        m = [r[2] for r in rows]
        print(
            f"  {name:18} {percentile(a, 95):8.1f} {percentile(f, 95):8.1f} {statistics.median(m):9.0f}",
            file=out,
        )
    print(out.getvalue())


if __name__ == "__main__":
    main()
