"""Synthetic but realistic MARC records for volume tests: MARC 21 and CNMARC, Chinese and English
titles, valid (and a few invalid) ISBNs, CLC classes, subjects, holdings and items with unique
barcodes, written as ISO 2709 in UTF-8 or GB18030.

    python benchmarks/generate_marc.py OUT.mrc --records 50000 --format marc21|cnmarc --encoding utf-8|gb18030

Record lengths and the directory are computed in bytes of the chosen encoding, as real Chinese
exports do. The output is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator

FT, RT, SD = b"\x1e", b"\x1d", b"\x1f"

ZH_WORDS = ["中国", "历史", "文化", "研究", "数学", "物理", "化学", "生物", "地理", "语文", "教育", "教学", "儿童",
            "文学", "小说", "诗歌", "科学", "技术", "经济", "发展", "社会", "艺术", "音乐", "美术", "体育", "健康",
            "心理", "学习", "方法", "实验", "故事", "童话", "世界", "自然", "环境", "计算机", "程序", "设计", "英语",
            "阅读", "写作", "思维", "创新", "传统", "现代", "古代", "名著", "导读", "练习", "指南"]
ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
ZH_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文"
ZH_PUBLISHERS = [("北京", "人民教育出版社"), ("上海", "上海教育出版社"), ("北京", "高等教育出版社"),
                 ("北京", "人民文学出版社"), ("南京", "江苏凤凰教育出版社"), ("长沙", "湖南少年儿童出版社"),
                 ("北京", "科学出版社"), ("北京", "中华书局"), ("杭州", "浙江教育出版社"), ("广州", "广东教育出版社")]
EN_WORDS = ["history", "science", "introduction", "mathematics", "modern", "world", "language", "children",
            "stories", "nature", "physics", "chemistry", "art", "music", "reading", "writing", "guide", "China",
            "culture", "education", "learning", "computer", "programming", "design", "ancient", "poetry"]
EN_NAMES = ["Smith, John", "Brown, Mary", "Li, Wei", "Wang, Fang", "Johnson, Robert", "Garcia, Maria",
            "Miller, David", "Chen, Jing", "Davis, Susan", "Zhang, Min"]
EN_PUBLISHERS = [("New York", "Penguin"), ("Oxford", "Oxford University Press"), ("London", "Macmillan"),
                 ("Cambridge", "Cambridge University Press"), ("Beijing", "Foreign Languages Press")]
CLC = ["G623.2", "G634.41", "I247.5", "I287.5", "K220", "O13", "O4-49", "TP312", "H319.4", "J292", "Q-49",
       "G624.2", "I561.45", "K928.9", "F124"]
SUBJECTS_ZH = ["语文课", "数学课", "儿童小说", "长篇小说", "中国历史", "科学知识", "英语", "程序设计", "中国画"]
SUBJECTS_EN = ["Mathematics", "Chinese language", "Children's stories", "World history", "Physics", "Computer programming"]
LOCATIONS = ["总馆 二楼", "总馆 三楼", "分馆", "阅览室", "参考室"]


def isbn13(rng: random.Random) -> str:
    body = "978" + rng.choice("75") + "".join(rng.choice("0123456789") for _ in range(8))
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def _field(tag: str, ind: str, *subs: tuple[str, str], enc: str) -> tuple[str, bytes]:
    data = ind.encode("ascii") + b"".join(SD + c.encode("ascii") + v.encode(enc) for c, v in subs if v)
    return tag, data + FT


def _control(tag: str, value: str, enc: str) -> tuple[str, bytes]:
    return tag, value.encode(enc) + FT


def serialize(leader: str, fields: list[tuple[str, bytes]]) -> bytes:
    directory, offset = [], 0
    for tag, data in fields:
        directory.append(f"{tag}{len(data):04d}{offset:05d}".encode("ascii"))
        offset += len(data)
    base = 24 + 12 * len(fields) + 1
    total = base + offset + 1
    head = f"{total:05d}{leader[5:12]}{base:05d}{leader[17:24]}".encode("ascii")
    return head + b"".join(directory) + FT + b"".join(d for _t, d in fields) + RT


def _title(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return "".join(rng.sample(ZH_WORDS, rng.randint(2, 4)))
    words = rng.sample(EN_WORDS, rng.randint(2, 5))
    return " ".join(words).capitalize()


def _person(rng: random.Random) -> str:
    return rng.choice(ZH_SURNAMES) + "".join(rng.choice(ZH_GIVEN) for _ in range(rng.randint(1, 2)))


def marc21(n: int, rng: random.Random, enc: str) -> bytes:
    chinese = rng.random() < 0.7
    title = _title(rng, chinese)
    year = rng.randint(1980, 2024)
    author = _person(rng) if chinese else rng.choice(EN_NAMES)
    place, publisher = rng.choice(ZH_PUBLISHERS if chinese else EN_PUBLISHERS)
    isbn = isbn13(rng)
    if rng.random() < 0.02:
        isbn = isbn[:-1] + str((int(isbn[-1]) + 1) % 10)  # a wrong check digit, kept and marked
    lang = "chi" if chinese else "eng"
    fields = [
        _control("001", f"gen{n:09d}", enc),
        _control("003", "UNIONCAT", enc),
        _control("005", "20240101120000.0", enc),
        _control("008", f"240101s{year}    cc a          000 0 {lang} d", enc),
        _field("020", "  ", ("a", isbn), ("c", f"CNY{rng.randint(10, 120)}.00"), enc=enc),
        _field("035", "  ", ("a", f"(CALIS){n:012d}"), enc=enc),
        _field("041", "0 ", ("a", lang), enc=enc),
        _field("084", "  ", ("a", rng.choice(CLC)), ("2", "clc"), enc=enc),
        _field("100", "1 ", ("a", author + ","), ("e", "author."), enc=enc),
        _field("245", "10", ("a", title + " /"), ("c", f"{author}著." if chinese else f"by {author}."), enc=enc),
        _field("250", "  ", ("a", f"第{rng.randint(1, 5)}版." if chinese else "2nd ed."), enc=enc),
        _field("264", " 1", ("a", place + " :"), ("b", publisher + ","), ("c", f"{year}."), enc=enc),
        _field("300", "  ", ("a", f"{rng.randint(40, 600)}页 ;" if chinese else f"{rng.randint(40, 600)} p. ;"),
               ("c", "26 cm"), enc=enc),
        _field("520", "  ", ("a", ("本书介绍了" + title + "的基本知识。") if chinese else f"An introduction to {title.lower()}."),
               enc=enc),
        _field("650", " 7" if chinese else " 0", ("a", rng.choice(SUBJECTS_ZH if chinese else SUBJECTS_EN)), enc=enc),
    ]
    if rng.random() < 0.3:
        fields.append(_field("700", "1 ", ("a", _person(rng) if chinese else rng.choice(EN_NAMES)), ("e", "editor."),
                             enc=enc))
    call = f"{rng.choice(CLC)}/{rng.randint(1, 999)}"
    for c in range(rng.randint(1, 3)):
        fields.append(_field("952", "  ", ("a", "MAIN"), ("c", rng.choice(LOCATIONS)), ("o", call),
                             ("p", f"B{n:09d}{c}"), ("g", f"{rng.randint(10, 120)}.00"),
                             ("d", f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"), enc=enc))
    return serialize("00000nam a2200000 i 4500" if enc == "utf-8" else "00000nam  2200000 i 4500", fields)


def cnmarc(n: int, rng: random.Random, enc: str) -> bytes:
    chinese = rng.random() < 0.85
    title = _title(rng, chinese)
    year = rng.randint(1980, 2024)
    author = _person(rng) if chinese else rng.choice(EN_NAMES)
    place, publisher = rng.choice(ZH_PUBLISHERS)
    isbn = isbn13(rng)
    charset = "50  " if enc == "utf-8" else "0120"
    call_class, book_no = rng.choice(CLC), str(rng.randint(1, 999))
    fields = [
        _control("001", f"cn{n:010d}", enc),
        _control("005", "20240101120000.0", enc),
        _field("010", "  ", ("a", f"{isbn[:3]}-{isbn[3]}-{isbn[4:9]}-{isbn[9:12]}-{isbn[12]}"),
               ("d", f"CNY{rng.randint(10, 120)}.00"), enc=enc),
        _field("100", "  ", ("a", f"20240101d{year}    em y0chiy{charset}    ea"), enc=enc),
        _field("101", "0 ", ("a", "chi" if chinese else "eng"), enc=enc),
        _field("200", "1 ", ("a", title), ("f", f"{author}著"), enc=enc),
        _field("205", "  ", ("a", f"第{rng.randint(1, 5)}版"), enc=enc),
        _field("210", "  ", ("a", place), ("c", publisher), ("d", str(year)), enc=enc),
        _field("215", "  ", ("a", f"{rng.randint(40, 600)}页"), ("d", "26cm"), enc=enc),
        _field("330", "  ", ("a", "本书介绍了" + title + "的基本知识。"), enc=enc),
        _field("606", "0 ", ("a", rng.choice(SUBJECTS_ZH)), ("x", "研究"), enc=enc),
        _field("690", "  ", ("a", call_class), ("v", "5"), enc=enc),
        _field("701", " 0", ("a", author), ("4", "著"), enc=enc),
        _field("801", " 0", ("a", "CN"), ("b", "UNIONCAT"), ("c", "20240101"), enc=enc),
        _field("905", "  ", ("a", "UNIONCAT"), ("c", rng.choice(LOCATIONS)), ("d", call_class), ("e", book_no), enc=enc),
    ]
    for c in range(rng.randint(1, 3)):
        fields.append(_field("906", "  ", ("a", "UNIONCAT"), ("b", f"C{n:09d}{c}"), ("d", call_class), ("e", book_no),
                             enc=enc))
    return serialize("00000nam0 2200000   450 ", fields)


def records(count: int, fmt: str = "marc21", encoding: str = "utf-8", seed: int = 1, start: int = 0) -> Iterator[bytes]:
    rng = random.Random(seed)
    enc = "gb18030" if encoding in ("gb18030", "gbk") else "utf-8"
    make = marc21 if fmt == "marc21" else cnmarc
    for n in range(start, start + count):
        yield make(n, rng, enc)


def write(path, count: int, fmt: str = "marc21", encoding: str = "utf-8", seed: int = 1) -> int:
    size = 0
    with open(path, "wb") as out:
        for rec in records(count, fmt, encoding, seed):
            out.write(rec)
            size += len(rec)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--format", choices=["marc21", "cnmarc"], default="marc21")
    parser.add_argument("--encoding", choices=["utf-8", "gb18030"], default="utf-8")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    size = write(args.out, args.records, args.format, args.encoding, args.seed)
    print(f"{args.records} {args.format} records ({args.encoding}), {size / 1e6:.1f} MB -> {args.out}")


if __name__ == "__main__":
    main()
