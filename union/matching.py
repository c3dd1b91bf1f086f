"""Record matching for the union catalogue: which member records describe the same edition.

A pure module (no database): the sync worker, ``rebuild_union``, the benchmark and the
evaluation tests all cluster through it.

* Strong keys: ISBN-13 (``core.isbn``: an ISBN-10 is converted, so both forms of one book give
  one key; a wrong check digit gives no key), ISSN,
  national bibliography / CALIS / OCLC numbers from 035, and the union record id a copied
  record carries.
* A fingerprint for records without them: normalised title + first author + year + publisher.
  Normalisation is ``core.text.fold`` (traditional to simplified Chinese, full-width to
  half-width, case, accents, spacing, shared with search) with punctuation and spaces dropped;
  Chinese is compared by characters.
* Guards keep apart what must stay apart: different volume or part, edition, year or material
  type, and a shared ISBN whose titles clearly differ (a wrongly printed ISBN) or that a
  coordinator has marked as wrong.

Every decision says which keys matched and which guards fired, so the API can answer "why are
these one record?".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import lru_cache

from core.isbn import isbn13
from core.text import fold

STRONG_PREFIXES = ("isbn:", "issn:", "nbn:", "calis:", "oclc:", "lccn:", "union:")
# Below this title similarity a shared ISBN is taken to be printed wrongly on one of the books.
WRONG_ISBN_TITLE_SIMILARITY = 0.5
# Records without strong keys that agree this well but not exactly go to the review queue.
REVIEW_TITLE_SIMILARITY = 0.8


# --- Text normalisation -------------------------------------------------------------------


_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text or ""))


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in ("L", "N")


@lru_cache(maxsize=200_000)
def normalize_text(text: str) -> str:
    """The comparable form of a text: folded, with punctuation and spacing removed.

    Removing spaces also makes Chinese comparable character by character whatever spacing a
    cataloguer typed ("红 楼 梦" = "红楼梦").
    """
    return "".join(ch for ch in fold(text) if _is_word_char(ch))


_LEADING_ARTICLES = re.compile(r"^(the|a|an|le|la|les|der|die|das)\s+")


def normalize_title(text: str) -> str:
    folded = fold(text)
    folded = _LEADING_ARTICLES.sub("", folded)
    # Square-bracketed additions ("[electronic resource]", "[专著]") are not part of the title.
    stripped = _without_brackets(folded)
    return normalize_text(stripped) or normalize_text(folded)


def _without_brackets(text: str) -> str:
    r"""``text`` without each "[" and what follows up to the next "]", as ``re.sub(r"\[[^\]]*\]", "", text)``.

    By hand, because that expression rescans the rest of the text from every unclosed "[",
    quadratic in a title of many of them; this looks at each character once.
    """
    if "[" not in text:
        return text
    parts, pos = [], 0
    while True:
        start = text.find("[", pos)
        end = text.find("]", start + 1) if start >= 0 else -1
        if end < 0:  # no "[" left, or none of those left is ever closed
            parts.append(text[pos:])
            return "".join(parts)
        parts.append(text[pos:start])
        pos = end + 1


_AUTHOR_ROLE_WORDS = ("主编", "编著", "编写", "编撰", "编译", "编选", "编绘", "合著", "著", "编", "译", "撰", "绘", "等",
                      "原著", "改编", "整理", "注释", "校注", "选编", "主审", "审订")
_ROLE_WORD_LONGEST = max(len(w) for w in _AUTHOR_ROLE_WORDS)


def _without_role_words(text: str) -> str:
    """``text`` without the longest tail made only of role words ("鲁迅著", "张三主编" -> the name).

    A regular expression "(words)+$" retried the whole run from every position in a long run of
    them (minutes for 20,000 characters); this works back from the end once. ``ends[i]`` says
    whether ``text[i:]`` is made only of role words; once as many positions in a row as the
    longest word are not, no earlier one can be.
    """
    n = len(text)
    ends = [False] * n + [True]
    cut, misses = n, 0
    for i in range(n - 1, -1, -1):
        ends[i] = any(ends[i + len(w)] for w in _AUTHOR_ROLE_WORDS if text.startswith(w, i))
        if ends[i]:
            cut, misses = i, 0
        else:
            misses += 1
            if misses >= _ROLE_WORD_LONGEST:
                break
    return text[:cut]
_AUTHOR_PREFIX = re.compile(r"^\s*[\[\(（【〔]\s*[^\]\)）】〕]{1,4}\s*[\]\)）】〕]\s*")  # "[清]" "(美)"
_LATIN_DATES = re.compile(r"\b\d{3,4}\s*-\s*(\d{3,4})?\b|\bb\.\s*\d{4}|\bd\.\s*\d{4}")


def normalize_author(name: str) -> str:
    """Name comparable across cataloguing styles: "Austen, Jane, 1775-1817" = "Jane Austen"."""
    if not name:
        return ""
    text = fold(name)
    text = _AUTHOR_PREFIX.sub("", text)
    if has_cjk(text):
        text = normalize_text(text)
        return _without_role_words(text)
    text = _LATIN_DATES.sub(" ", text)
    words = re.findall(r"[^\W_]+", text)
    words = [w for w in words if w not in ("ed", "eds", "editor", "trans", "tr", "author", "et", "al")]
    return "".join(sorted(words))


_PUBLISHER_NOISE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|出版集团|出版社|出版公司|出版|书局|印书馆|"
    r"publishing|publishers|publisher|press|books|inc|ltd|co|company|verlag|editions?|group)"
)


def normalize_publisher(text: str) -> str:
    norm = normalize_text(text)
    return _PUBLISHER_NOISE.sub("", norm)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(text: str) -> int | None:
    """Chinese numerals up to 9999 (一, 十二, 二十, 一百零五)."""
    if not text:
        return None
    total, current = 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
        else:
            return None
    return total + current


def _digits_for_cn_numerals(text: str) -> str:
    return re.sub(r"[零〇一二两三四五六七八九十百千]+", lambda m: str(_cn_number(m.group(0))), text)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}
_VOLUME_NAMES = {"上": "p1", "中": "p2", "下": "p3", "前": "p1", "后": "p3", "续": "cont"}


def normalize_volume(text: str) -> str:
    """A volume or part designation as a comparable token: 第一卷 = 第1卷 = Vol. 1 = v.1 -> "1".

    Numbers win over names; 上/中/下 册 keep their place; other text stays as its normal form.
    """
    if not text:
        return ""
    folded = fold(text)
    folded = _digits_for_cn_numerals(folded)
    numbers = re.findall(r"\d+", folded)
    words = re.findall(r"[a-z]+", folded)
    roman = [str(_ROMAN[w]) for w in words if w in _ROMAN and w not in ("v", "i") or w in ("ii", "iii")]
    ordinals = [str(_ORDINAL_WORDS[w]) for w in words if w in _ORDINAL_WORDS]
    if numbers:
        return ".".join(str(int(n)) for n in numbers)
    if ordinals:
        return ".".join(ordinals)
    if roman:
        return ".".join(roman)
    names = [_VOLUME_NAMES[ch] for ch in folded if ch in _VOLUME_NAMES]
    if names:
        return ".".join(names)
    stripped = re.sub(r"(第|卷|册|辑|分册|部分|篇|集|编|vol|volume|part|pt|no|book|tome|band|bd)", "", normalize_text(folded))
    return stripped


_EDITION_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "初": 1,
}


def normalize_edition(text: str) -> str:
    """Edition as a token: 第2版 = 二版 = 2nd ed. = Second edition -> "2"; none or first -> "1"."""
    if not text:
        return "1"
    folded = _digits_for_cn_numerals(fold(text))
    number = re.search(r"(\d+)", folded)
    if number:
        value = int(number.group(1))
        # "2010年版" names a year, not a numbered edition.
        if value > 1000:
            return f"y{value}"
        return str(value)
    for word, value in _EDITION_WORDS.items():
        if word in folded:
            return str(value)
    if any(w in folded for w in ("修订", "revised", "rev.", "増订", "增订")):
        return "rev"
    return normalize_text(folded) or "1"


# --- Identifiers --------------------------------------------------------------------------


def normalize_issn(value: str) -> str | None:
    if not value:
        return None
    text = re.sub(r"[^0-9Xx]", "", unicodedata.normalize("NFKC", str(value))).upper()
    if len(text) != 8:
        return None
    total = sum((8 - i) * int(ch) for i, ch in enumerate(text[:7]))
    check = (11 - total % 11) % 11
    if ("X" if check == 10 else str(check)) != text[7]:
        return None
    return f"{text[:4]}-{text[4:]}"


# Which sources of 035 / control numbers identify one edition across libraries. Local system
# numbers ("(aleph)000218074BNU03") do not, and are ignored.
_CONTROL_SOURCES = {
    "ocolc": "oclc", "oclc": "oclc", "ocm": "oclc", "ocn": "oclc", "on": "oclc",
    "calis": "calis", "cal": "calis",
    "nlc": "nbn", "nbn": "nbn", "cn": "nbn", "cnnbn": "nbn", "national": "nbn", "nb": "nbn",
    "nba": "nbn", "lccn": "lccn",
    "union": "union",
}


def control_number_key(entry) -> str | None:
    """A strong key from a control number ``{type, value}`` (or a raw 035 string)."""
    if isinstance(entry, Mapping):
        kind = str(entry.get("type") or "").strip().lower()
        value = str(entry.get("value") or "").strip()
    else:
        kind, value = "", str(entry or "").strip()
    prefix = re.match(r"^\(([^)]+)\)\s*(.*)$", value)
    if prefix:
        kind, value = prefix.group(1).strip().lower(), prefix.group(2)
    kind = re.sub(r"[^a-z]", "", kind)
    source = _CONTROL_SOURCES.get(kind)
    if source is None:
        return None
    if source == "oclc":
        value = re.sub(r"^(ocm|ocn|on)", "", value.strip().lower())
        value = value.lstrip("0")
    elif source == "union":
        value = value.strip()
    else:
        value = normalize_text(value).upper()
    if not value:
        return None
    return f"{source}:{value}"


# --- Records ------------------------------------------------------------------------------


def _names(authors) -> list[str]:
    names = []
    for author in authors or []:
        if isinstance(author, Mapping):
            name = author.get("name") or ""
        else:
            name = str(author or "")
        if name.strip():
            names.append(name)
    return names


def _isbn_values(isbns) -> list[str]:
    values = []
    for entry in isbns or []:
        if isinstance(entry, Mapping):
            values.extend(v for v in (entry.get("isbn13"), entry.get("value")) if v)
        elif entry:
            values.append(str(entry))
    return values


@dataclass(frozen=True)
class MatchRecord:
    """The parts of a bibliographic record that matching looks at, already normalised."""

    ref: Hashable
    title: str
    title_variants: tuple[str, ...]
    author: str
    year: int | None
    publisher: str
    volume: str
    edition: str
    material_type: str
    isbns: tuple[str, ...]
    issns: tuple[str, ...]
    control_keys: tuple[str, ...]
    fingerprint: str

    @classmethod
    def from_fields(cls, ref: Hashable, data: Mapping) -> MatchRecord:
        """Build from Instance-like fields (title, volume, authors, year, publisher, isbns, ...)."""
        title = normalize_title(data.get("title") or "")
        variants = {title}
        other = data.get("other_title") or ""
        if other:
            variants.add(normalize_title(f"{data.get('title') or ''} {other}"))
        for parallel in data.get("parallel_titles") or []:
            if parallel:
                variants.add(normalize_title(str(parallel)))
        variants.discard("")
        names = _names(data.get("authors"))
        author = normalize_author(names[0]) if names else ""
        if not author and data.get("responsibility"):
            author = normalize_author(re.split(r"[;；,，、]", str(data["responsibility"]))[0])
        year = data.get("year")
        try:
            year = int(year) if year not in (None, "") else None
        except (TypeError, ValueError):
            year = None
        publisher = normalize_publisher(data.get("publisher") or "")
        isbns = sorted({i for i in (isbn13(v) for v in _isbn_values(data.get("isbns"))) if i})
        issns = sorted({i for i in (normalize_issn(v) for v in data.get("issns") or []) if i})
        controls = sorted({k for k in (control_number_key(c) for c in data.get("control_numbers") or []) if k})
        volume = normalize_volume(data.get("volume") or "")
        edition = normalize_edition(data.get("edition") or "")
        material = data.get("material_type") or "book"
        fingerprint = ""
        if title and (author or publisher or year):
            raw = "|".join([title, author, str(year or ""), publisher, volume, edition, material])
            fingerprint = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]
        return cls(
            ref=ref, title=title, title_variants=tuple(sorted(variants)), author=author, year=year,
            publisher=publisher, volume=volume, edition=edition, material_type=material,
            isbns=tuple(isbns), issns=tuple(issns), control_keys=tuple(controls), fingerprint=fingerprint,
        )

    def strong_keys(self) -> list[str]:
        return [f"isbn:{i}" for i in self.isbns] + [f"issn:{i}" for i in self.issns] + list(self.control_keys)

    def blocking_keys(self) -> list[str]:
        """Keys under which to look for candidates: strong keys, fingerprint, title+author."""
        keys = self.strong_keys()
        if self.fingerprint:
            keys.append(f"fp:{self.fingerprint}")
        if self.title:
            raw = f"{self.title}|{self.author}"
            keys.append("ta:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20])
            if self.author:
                # Title start + author finds "红楼梦(校注本)" for "红楼梦" (for review, not merging).
                raw = f"{self.title[:3]}|{self.author}"
                keys.append("t3:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20])
        return keys

    def to_json(self) -> dict:
        return {
            "title": self.title, "title_variants": list(self.title_variants), "author": self.author,
            "year": self.year, "publisher": self.publisher, "volume": self.volume, "edition": self.edition,
            "material_type": self.material_type, "isbns": list(self.isbns), "issns": list(self.issns),
            "control_keys": list(self.control_keys), "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, ref: Hashable, data: Mapping) -> MatchRecord:
        return cls(
            ref=ref, title=data.get("title", ""), title_variants=tuple(data.get("title_variants", ())),
            author=data.get("author", ""), year=data.get("year"), publisher=data.get("publisher", ""),
            volume=data.get("volume", ""), edition=data.get("edition", "1"),
            material_type=data.get("material_type", "book"), isbns=tuple(data.get("isbns", ())),
            issns=tuple(data.get("issns", ())), control_keys=tuple(data.get("control_keys", ())),
            fingerprint=data.get("fingerprint", ""),
        )


def title_similarity(a: MatchRecord, b: MatchRecord) -> float:
    """Best character-level similarity over the title forms of two records (0..1)."""
    best = 0.0
    for ta in a.title_variants or (a.title,):
        for tb in b.title_variants or (b.title,):
            if not ta or not tb:
                continue
            if ta == tb:
                return 1.0
            if ta.startswith(tb) or tb.startswith(ta):
                best = max(best, 0.9)
                continue
            best = max(best, SequenceMatcher(None, ta, tb, autojunk=False).ratio())
    return best


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if a in b or b in a:
        return 0.9
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass
class MatchDecision:
    match: bool
    score: float = 0.0
    keys: list[str] = field(default_factory=list)
    guards: list[str] = field(default_factory=list)
    uncertain: bool = False

    def explain(self) -> dict:
        return {"match": self.match, "score": round(self.score, 3), "keys": self.keys, "guards": self.guards,
                "uncertain": self.uncertain}


def guards_between(a: MatchRecord, b: MatchRecord) -> list[str]:
    """Reasons that keep two records apart whatever keys they share."""
    guards = []
    if a.material_type != b.material_type:
        guards.append("material_type")
    if a.volume != b.volume:
        guards.append("volume")
    if a.edition != b.edition:
        guards.append("edition")
    if a.year and b.year and a.year != b.year:
        guards.append("year")
    return guards


def compare(a: MatchRecord, b: MatchRecord, bad_keys: frozenset[str] | set[str] = frozenset()) -> MatchDecision:
    """Whether two records describe the same edition, with the keys and guards behind the answer."""
    shared = sorted((set(a.strong_keys()) & set(b.strong_keys())) - set(bad_keys))
    known_bad = sorted((set(a.strong_keys()) & set(b.strong_keys())) & set(bad_keys))
    guards = guards_between(a, b)
    guards.extend(f"known_wrong:{k}" for k in known_bad)
    tsim = title_similarity(a, b)
    if shared:
        id_shared = [k for k in shared if not k.startswith("union:")]
        # An ISBN/ISSN shared by two clearly different titles was printed or keyed wrongly.
        if id_shared and not [k for k in shared if k.startswith("union:")] and tsim < WRONG_ISBN_TITLE_SIMILARITY:
            author_same = a.author and a.author == b.author
            if not author_same or tsim < 0.3:
                guards.append("identifier_title_conflict")
        hard = [g for g in guards if not g.startswith("known_wrong")]
        if hard:
            return MatchDecision(False, tsim, shared, guards)
        return MatchDecision(True, 1.0 if tsim >= 0.8 else 0.9, shared, guards)
    if guards and any(not g.startswith("known_wrong") for g in guards):
        return MatchDecision(False, 0.0, [], guards)
    # Records carrying different strong identifiers of the same kind are different books
    # (a paperback and a hardback have one title, author, year and publisher but two ISBNs).
    if (a.isbns and b.isbns) or (a.issns and b.issns):
        return MatchDecision(False, 0.0, [], guards + ["different_identifiers"])
    if a.fingerprint and a.fingerprint == b.fingerprint:
        return MatchDecision(True, 0.85, ["fingerprint"], guards)
    # No shared key: agree on title, first author and year, with a compatible publisher.
    keys = []
    if a.title and a.title == b.title or tsim >= 0.95:
        keys.append("title")
    if a.author and a.author == b.author:
        keys.append("author")
    if a.year and a.year == b.year:
        keys.append("year")
    psim = _similar(a.publisher, b.publisher)
    if psim >= 0.8:
        keys.append("publisher")
    if {"title", "author", "year", "publisher"} <= set(keys):
        return MatchDecision(True, 0.8, keys, guards)
    # Close but not sure: a coordinator looks at it.
    close = (
        tsim >= REVIEW_TITLE_SIMILARITY
        and (not a.author or not b.author or a.author == b.author)
        and (not a.year or not b.year or a.year == b.year)
        and (a.author == b.author or a.year == b.year)
        and (not a.publisher or not b.publisher or psim >= 0.5)
    )
    return MatchDecision(False, 0.5 * tsim, keys, guards, uncertain=bool(close))


# --- Clustering ---------------------------------------------------------------------------

Ref = Hashable


@dataclass
class Decisions:
    """Coordinator decisions: pairs to keep together (merge) and pairs to keep apart (split)."""

    together: set[frozenset] = field(default_factory=set)
    apart: set[frozenset] = field(default_factory=set)
    bad_keys: frozenset[str] = frozenset()

    def must_link(self, a: Ref, b: Ref) -> bool:
        return frozenset((a, b)) in self.together

    def cannot_link(self, a: Ref, b: Ref) -> bool:
        return frozenset((a, b)) in self.apart

    def partners(self, ref: Ref) -> set[Ref]:
        out = set()
        for pair in self.together:
            if ref in pair:
                out |= set(pair) - {ref}
        return out


@dataclass
class Choice:
    cluster: Hashable | None
    decision: MatchDecision | None
    matched_ref: Ref | None = None
    uncertain: list[tuple[Hashable, Ref, MatchDecision]] = field(default_factory=list)


MAX_COMPARED_PER_CLUSTER = 25
# Guards that, against any member of a cluster, keep a record out of the whole cluster.
HARD_GUARDS = frozenset({"volume", "edition", "material_type", "year", "different_identifiers"})


def choose_cluster(
    record: MatchRecord,
    candidates: Mapping[Hashable, Sequence[MatchRecord]],
    decisions: Decisions | None = None,
    current: Hashable | None = None,
) -> Choice:
    """The cluster ``record`` belongs to among ``candidates`` (cluster id -> member records).

    A coordinator's "together" decision wins; a cluster holding a member the record must be kept
    apart from, or one whose members clash with it on a guard, is never chosen. Among the rest the
    best score wins; the record's current cluster wins ties (stable ids); then the smallest id.
    """
    decisions = decisions or Decisions()
    best: tuple | None = None
    weak_matches: list = []
    uncertain = []
    forced: Choice | None = None
    for cluster_id in sorted(candidates, key=lambda c: (c != current, str(c))):
        members = [m for m in candidates[cluster_id] if m.ref != record.ref]
        if not members:
            continue
        if any(decisions.cannot_link(record.ref, m.ref) for m in members):
            continue
        partner = next((m for m in members if decisions.must_link(record.ref, m.ref)), None)
        if partner is not None and forced is None:
            forced = Choice(cluster_id, MatchDecision(True, 1.0, ["coordinator_merge"], []), partner.ref)
            continue
        matched: tuple[MatchDecision, MatchRecord] | None = None
        blocked = False
        for member in members[:MAX_COMPARED_PER_CLUSTER]:
            decision = compare(record, member, decisions.bad_keys)
            if decision.match:
                if matched is None or decision.score > matched[0].score:
                    matched = (decision, member)
            elif set(decision.guards) & HARD_GUARDS:
                blocked = True
            elif decision.uncertain and not any(u[0] == cluster_id for u in uncertain):
                uncertain.append((cluster_id, member.ref, decision))
        if matched is None or blocked:
            continue
        rank = (matched[0].score, cluster_id == current)
        weak_matches.append((cluster_id, matched))
        if best is None or rank > best[0]:
            best = (rank, cluster_id, matched)
    if forced is not None:
        return forced
    if best is None:
        return Choice(None, None, None, uncertain)
    # A record without identifiers that fits several clusters equally (say the paperback and
    # the hardback of one title) cannot be placed safely: it stays alone and goes to review.
    if not record.strong_keys() and best[0][0] < 0.9 and len(weak_matches) > 1:
        ambiguous = [(c, m.ref, replace(d, uncertain=True)) for c, (d, m) in weak_matches]
        return Choice(None, None, None, uncertain + ambiguous)
    _, cluster_id, (decision, member) = best
    return Choice(cluster_id, decision, member.ref, [u for u in uncertain if u[0] != cluster_id])


class Clusterer:
    """In-memory clustering of many records (rebuild, evaluation, benchmark).

    Records are added in a fixed order, so the result is deterministic.
    """

    def __init__(self, decisions: Decisions | None = None):
        self.decisions = decisions or Decisions()
        self.index: dict[str, set[int]] = {}
        self.clusters: dict[int, list[MatchRecord]] = {}
        self.cluster_of: dict[Ref, int] = {}
        self.why: dict[Ref, MatchDecision | None] = {}
        self.uncertain: list[tuple[Ref, Ref, MatchDecision]] = []
        self._next = 1

    def add(self, record: MatchRecord) -> int:
        keys = record.blocking_keys()
        candidate_ids: set[int] = set()
        for key in keys:
            candidate_ids |= self.index.get(key, set())
        for partner in self.decisions.partners(record.ref):
            if partner in self.cluster_of:
                candidate_ids.add(self.cluster_of[partner])
        choice = choose_cluster(record, {c: self.clusters[c] for c in candidate_ids}, self.decisions)
        for _cluster, other, decision in choice.uncertain:
            self.uncertain.append((record.ref, other, decision))
        cluster_id = choice.cluster
        if cluster_id is None:
            cluster_id = self._next
            self._next += 1
            self.clusters[cluster_id] = []
        self.clusters[cluster_id].append(record)
        self.cluster_of[record.ref] = cluster_id
        self.why[record.ref] = choice.decision
        for key in keys:
            self.index.setdefault(key, set()).add(cluster_id)
        return cluster_id

    def add_all(self, records: Iterable[MatchRecord]) -> Clusterer:
        for record in records:
            self.add(record)
        return self

    def groups(self) -> list[list[Ref]]:
        return [[m.ref for m in members] for members in self.clusters.values() if members]


def pairwise_scores(predicted: Mapping[Ref, Hashable], truth: Mapping[Ref, Hashable]) -> dict:
    """Pairwise precision and recall of a clustering against labelled entities."""

    def pairs(assignments: Mapping[Ref, Hashable]) -> set[frozenset]:
        groups: dict[Hashable, list[Ref]] = {}
        for ref, group in assignments.items():
            groups.setdefault(group, []).append(ref)
        out = set()
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    out.add(frozenset((a, b)))
        return out

    predicted_pairs, true_pairs = pairs(predicted), pairs(truth)
    hits = len(predicted_pairs & true_pairs)
    precision = hits / len(predicted_pairs) if predicted_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    return {
        "precision": precision, "recall": recall, "predicted_pairs": len(predicted_pairs),
        "true_pairs": len(true_pairs), "correct_pairs": hits,
        "false_merges": sorted(tuple(sorted(map(str, p))) for p in predicted_pairs - true_pairs),
        "missed": sorted(tuple(sorted(map(str, p))) for p in true_pairs - predicted_pairs),
    }


def rebuild_order(record: MatchRecord) -> int:
    """Records with identifiers first, so a record without any sees every cluster it could join."""
    return 0 if record.strong_keys() else 1


def evaluate(labelled: Sequence[Mapping], decisions: Decisions | None = None, rebuild: bool = True) -> dict:
    """Cluster labelled records (``{"id", "entity", "record": {...}}``) and score the result.

    ``rebuild`` clusters in rebuild order; otherwise in the given order, as incremental sync
    would meet them.
    """
    records = [MatchRecord.from_fields(item["id"], item["record"]) for item in labelled]
    if rebuild:
        records.sort(key=rebuild_order)
    clusterer = Clusterer(decisions).add_all(records)
    truth = {item["id"]: item["entity"] for item in labelled}
    result = pairwise_scores(clusterer.cluster_of, truth)
    result["uncertain"] = len(clusterer.uncertain)
    return result
