"""Text analysis shared by every search backend, so a query finds the same records on each.

* ``fold`` (``core.text.fold``, shared with union matching): full-width to half-width (NFKC),
  traditional to simplified Chinese (OpenCC), case folded, accents removed, spacing collapsed.
* ``tokens``: Chinese, Japanese and Korean runs become overlapping character bigrams (what
  Elasticsearch's ``cjk_bigram`` filter emits); at index time single characters are kept too so
  a one-character query still matches; Latin words and numbers are single tokens.
* ``pinyin_tokens``: titles are also findable by pinyin and pinyin initials ("xiyouji", "xyj"
  find 西游记): every suffix of a Chinese run, spelt out (up to ``PINYIN_SYLLABLES``
  syllables), matched by prefix at query time.
* ``issn_form``: an ISSN without its hyphen (ISBNs are read by ``core.isbn.search_forms``,
  which gives both the ISBN-10 and the ISBN-13 of a book).
* ``clc_prefixes``: every prefix of a Chinese Library Classification number ("I24" finds I247.5);
  ``clc_class`` is its main class (one of the 22 letters).

The index takes any record the catalogue takes: a word longer than ``MAX_WORD`` characters is
cut to its first ``MAX_WORD`` (at index and at query time alike, so the whole word still finds
it); PostgreSQL refuses a lexeme over 2,047 bytes and Lucene a term over 32,766, and a word that
long is damage or a pasted run of characters, not something a reader types. Codes are kept only
as long as their columns allow (``ISSN_MAX``, ``CLC_MAX``).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from core.text import fold
from search.exceptions import BadSearchParameter

# Chinese (Han, with extensions and compatibility ideographs), kana, Hangul.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_LATIN_WORD = re.compile(r"^[a-z]+$")

# The 22 main classes of the Chinese Library Classification.
CLC_CLASSES = tuple("ABCDEFGHIJKNOPQRSTUVXZ")
PINYIN_SYLLABLES = 8
PINYIN_MIN_PREFIX = 2
# 128 characters are at most 512 bytes in UTF-8, well inside every engine's term limit.
MAX_WORD = 128
ISSN_MAX = 12
CLC_MAX = 40


def tokens(text: str, *, query: bool = False) -> list[tuple[str, int]]:
    """(token, position) pairs of folded text. Positions let phrases match adjacent tokens.

    A Chinese run of n >= 2 characters gives n - 1 bigrams at consecutive positions; at index
    time (``query=False``) each character is also emitted as a unigram, at the position of the
    bigram it starts, so a single-character query matches.
    """
    out: list[tuple[str, int]] = []
    pos = 1
    for match in _RUN.finditer(fold(text)):
        cjk, word = match.group(1), match.group(2)
        if word:
            out.append((word[:MAX_WORD], pos))
            pos += 1
            continue
        if len(cjk) == 1:
            out.append((cjk, pos))
            pos += 1
            continue
        for i in range(len(cjk) - 1):
            out.append((cjk[i : i + 2], pos + i))
        if not query:
            for i, char in enumerate(cjk):
                out.append((char, pos + i))
        pos += len(cjk) - 1
    return out


def cut_long_words(folded: str) -> str:
    """Folded text with every word cut to ``MAX_WORD`` characters, as ``tokens`` reads it (for
    engines that tokenise the text themselves)."""
    if len(folded) <= MAX_WORD:
        return folded
    return _RUN.sub(lambda m: m.group(0) if m.group(1) else m.group(0)[:MAX_WORD], folded)


def token_list(text: str, *, query: bool = False) -> list[str]:
    return [tok for tok, _pos in tokens(text, query=query)]


def pinyin_forms(text: str) -> tuple[set[str], str, str]:
    """(suffix tokens, full pinyin key, initials key) of the Chinese in ``text``.

    The tokens are the pinyin and pinyin-initial spellings of every suffix of each Chinese run
    (up to ``PINYIN_SYLLABLES`` syllables); the keys spell the whole text, for exact matches.
    """
    out: set[str] = set()
    full_key: list[str] = []
    initials_key: list[str] = []
    for run in _HAN_RUN.findall(fold(text)):
        full = [s for s in lazy_pinyin(run, errors="ignore") if s]
        initials = [s[:1] for s in full]
        full_key += full
        initials_key += initials
        for i in range(len(full)):
            out.add("".join(full[i : i + PINYIN_SYLLABLES]))
            out.add("".join(initials[i : i + PINYIN_SYLLABLES]))
    tokens_ = {t for t in out if len(t) >= PINYIN_MIN_PREFIX}
    return tokens_, "".join(full_key)[:200], "".join(initials_key)[:100]


def pinyin_tokens(text: str) -> set[str]:
    """Pinyin and pinyin-initial spellings of every suffix of each Chinese run in ``text``."""
    return pinyin_forms(text)[0]


def pinyin_query(text: str) -> str | None:
    """The folded query word if it could be pinyin (Latin letters only), else None."""
    word = fold(text).replace(" ", "").replace("'", "")
    if len(word) >= PINYIN_MIN_PREFIX and _LATIN_WORD.match(word):
        return word
    return None


_ISSN_CHARS = re.compile(r"[\s\-‐‑–—]")


def issn_form(value: str) -> str:
    return _ISSN_CHARS.sub("", value or "").upper()


def issn_forms(values) -> list[str]:
    """The searchable forms of a record's ISSNs; what cannot be an ISSN (too long) is left out."""
    return sorted({form for form in (issn_form(v) for v in values if v) if 0 < len(form) <= ISSN_MAX})


def looks_like_issn(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-?\d{3}[\dXx]", (text or "").strip()))


_CLC_JUNK = re.compile(r"[\s]")


def clc_normal(code: str) -> str:
    return _CLC_JUNK.sub("", unicodedata.normalize("NFKC", code or "")).upper()


def clc_prefixes(code: str) -> set[str]:
    """Every prefix of a CLC number: I247.5 -> I, I2, I24, I247, I247.5."""
    code = clc_normal(code)
    out = set()
    for i in range(1, min(len(code), CLC_MAX) + 1):
        prefix = code[:i]
        if prefix[-1] in '.-/=:"()<>[]':
            continue
        out.add(prefix)
    return out


def clc_class(code: str) -> str | None:
    code = clc_normal(code)
    return code[0] if code and code[0] in CLC_CLASSES else None


_YEAR = re.compile(r"^\s*(\d{1,4})?\s*(?:(-|–|~|至|到)\s*(\d{1,4})?)?\s*$")


def year_range(text: str) -> tuple[int | None, int | None]:
    """``1990`` -> (1990, 1990); ``1990-2000``, ``1990-``, ``-2000`` -> ranges."""
    match = _YEAR.match(fold(text))
    if not match or not (match.group(1) or match.group(3)):
        raise BadSearchParameter(
            _("“%(text)s” is not a year or a year range like 1990-2000.") % {"text": text}
        )
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(3)) if match.group(3) else None
    if match.group(2) is None:
        high = low
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def title_key(title: str) -> str:
    """Folded title without spaces or punctuation, for exact-title matches and title sorting."""
    return "".join(ch for ch in fold(title) if ch.isalnum())[:200]
