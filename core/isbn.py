"""ISBNs: one reading of what cataloguers and readers type, for import, matching and search.

What every caller gets:

* Input may carry hyphens, spaces, other dashes, full-width digits, a lower-case x, "ISBN" in
  front and a qualifier or price behind ("ISBN 7-5037-1744-0 (pbk.) : CNY25.00"). A value that
  is ten or thirteen digits once separators are gone is read whole; otherwise the first
  ISBN-looking run of digits is the ISBN.
* ``isbn13``: the canonical form, thirteen digits without hyphens, of a valid ISBN-10 (made
  978-) or ISBN-13 (978- or 979-); None when there is none. A wrong check digit gives None:
  the ISBN-13 is the strongest match key of the union catalogue, and a mistyped one would join
  two different books or keep one book's copies apart under a key nobody else has.
* ``isbn10``: the ISBN-10 of a valid 978- ISBN; 979- ISBNs have none.
* ``search_forms``: for finding rather than identifying, forgiving on purpose. Both forms are
  given with the check digit recomputed from the others, so a reader who mistypes only the
  check digit still finds the book; the value as typed (compacted) is kept too.

The general reading is isbnlib's (``ean13``, ``to_isbn10``). The MARC import reads every ISBN
of every record, and isbnlib takes some 20 microseconds an ISBN, so the plain and hyphenated
ASCII values most records hold take a fast path with the same arithmetic done in C loops.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

import isbnlib

# After NFKC (full-width digits and hyphens are ASCII by then): dashes a word processor puts in.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_SHAPE = re.compile(r"[0-9]{9}[0-9X]|97[89][0-9]{10}")
# The first ISBN-looking run in a longer text; a 978/979 run may be thirteen digits long.
_RUN = re.compile(r"97[89][0-9\s\-‐‑‒–—]{10,16}|[0-9][0-9\s\-‐‑‒–—]{8,12}[0-9X]")


def compact(value: str | None) -> str:
    """``value`` as NFKC upper case without spaces, hyphens or dashes ("978-7-5037..." -> "9787503...")."""
    if not value:
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)).upper())


def _digits(value: str) -> str:
    """The ten or thirteen characters of the ISBN in ``value`` (check digit not verified), or ""."""
    text = unicodedata.normalize("NFKC", str(value)).upper()
    whole = _SEPARATORS.sub("", text)
    if _SHAPE.fullmatch(whole):
        return whole
    match = _RUN.search(text)
    if not match:
        return ""
    digits = _SEPARATORS.sub("", match.group())
    return digits if _SHAPE.fullmatch(digits) else ""


def _check13(first12: str) -> str:
    raw = first12.encode()  # code points of ASCII digits: 48 more than the digit each
    return "0123456789"[-(sum(raw[0::2]) + 3 * sum(raw[1::2]) - 48 * 24) % 10]


def _check10(first9: str) -> str:
    # Weights 10..2 as running sums: sum(accumulate(d)) weighs d[i] by 9 - i, sum(d) adds one more.
    raw = first9.encode()
    return "0123456789X"[-(sum(accumulate(raw)) + sum(raw) - 48 * 54) % 11]


def _valid13(digits: str) -> str | None:
    """The ISBN-13 of ten or thirteen clean ISBN characters whose check digit is right."""
    if len(digits) == 13:
        if digits[:3] not in ("978", "979") or _check13(digits[:12]) != digits[12]:
            return None
        body = digits[:12]
    else:
        if _check10(digits[:9]) != digits[9]:
            return None
        body = "978" + digits[:9]
    if body.endswith("000000000"):
        return None  # "0000000000" is what some systems put where the ISBN is unknown
    return body + _check13(body) if len(digits) == 10 else digits


def isbn13(value: str | None) -> str | None:
    """The canonical ISBN-13 of the ISBN in ``value``, or None (see the module docstring)."""
    if not value:
        return None
    # Fast path, for the plain or hyphenated ASCII ISBNs most MARC 020/010 $a hold; it answers
    # as the general reading below does (tests/core/test_isbn.py checks both against isbnlib).
    if value.isascii():
        digits = value.replace("-", "") if "-" in value else value
        size = len(digits)
        if (size == 13 or size == 10) and digits[:-1].isdigit():
            last = digits[-1]
            if last.isdigit():
                return _valid13(digits)
            if size == 10 and (last == "X" or last == "x"):
                return _valid13(digits[:9] + "X")
    return _isbn13_read(value)


@lru_cache(maxsize=65_536)
def _isbn13_read(value: str) -> str | None:
    digits = _digits(value)
    if not digits or digits.endswith("000000000", 0, len(digits) - 1):
        return None
    return isbnlib.ean13(digits) or None


def isbn10(value: str | None) -> str | None:
    """The ISBN-10 of the ISBN in ``value`` if it has one (a valid 978- ISBN), else None."""
    canonical = isbn13(value)
    if not canonical or not canonical.startswith("978"):
        return None
    return isbnlib.to_isbn10(canonical) or None


def is_isbn_shaped(value: str | None) -> bool:
    """Whether ``value`` is, apart from separators, ten or thirteen ISBN digits (a query word test)."""
    return bool(_SHAPE.fullmatch(compact(value)))


def search_forms(value: str | None) -> set[str]:
    """Every form to index or look up for ``value``: as typed (compacted), and its ISBN-13 and
    ISBN-10 with the check digit recomputed; just the compacted value if it holds no ISBN."""
    raw = compact(value)
    if not raw:
        return set()
    forms = {raw}
    digits = _digits(value)
    if len(digits) == 10:
        forms.add(digits[:9] + _check10(digits[:9]))
        body = "978" + digits[:9]
        forms.add(body + _check13(body))
    elif len(digits) == 13:
        forms.add(digits[:12] + _check13(digits[:12]))
        if digits.startswith("978"):
            forms.add(digits[3:12] + _check10(digits[3:12]))
    return forms
