"""The search box syntax, parsed into the contract's ``Term``/``BoolNode`` tree.

    西游记 吴承恩                 every word must match (AND is implied)
    title:西游记 author:吴承恩    fielded terms (also 题名: 著者: 主题: ...)
    "journey to the west"        a phrase
    红楼梦 OR 石头记              OR (also ||), AND (also &&)
    三国 NOT 漫画, 三国 -漫画      exclusion (also !)
    (红楼梦 OR 石头记) 脂评       brackets
    title:(红楼梦 OR 石头记)      a field applied to a bracketed group
    year:1990-2000               a year or a year range

Operators are upper case so that the English words "and", "or", "not" stay searchable.
A ``field:`` prefix that is not a known field is read as part of the word ("Re:Zero").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from search.contract import FIELDS, BoolNode, Node, Term
from search.exceptions import QuerySyntaxError

FIELD_ALIASES: dict[str, str] = {f: f for f in FIELDS}
FIELD_ALIASES.update(
    {
        "all": "any",
        "kw": "any",
        "keyword": "any",
        "ti": "title",
        "au": "author",
        "creator": "author",
        "su": "subject",
        "pub": "publisher",
        "date": "year",
        "题名": "title",
        "书名": "title",
        "标题": "title",
        "著者": "author",
        "作者": "author",
        "责任者": "author",
        "主题": "subject",
        "主题词": "subject",
        "出版社": "publisher",
        "出版者": "publisher",
        "年": "year",
        "年份": "year",
        "出版年": "year",
        "分类号": "clc",
        "中图分类号": "clc",
        "关键词": "any",
        "全部": "any",
    }
)

# Punctuation typed with a Chinese input method, read as its ASCII counterpart.
_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "“": '"', "”": '"', "＂": '"', "！": "!", "－": "-"})
_WORDLIKE = re.compile(r"\w")
_SPECIAL = set('()"')


@dataclass(frozen=True)
class _Tok:
    kind: str  # LP RP AND OR NOT TERM FIELD
    text: str = ""
    field: str | None = None
    phrase: bool = False


def _field_of(prefix: str) -> str | None:
    return FIELD_ALIASES.get(prefix.lower())


def _lex(text: str) -> list[_Tok]:
    text = text.translate(_FOLD)
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "(":
            toks.append(_Tok("LP"))
            i += 1
            continue
        if c == ")":
            toks.append(_Tok("RP"))
            i += 1
            continue
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(_("A quotation mark is not closed."))
            phrase = text[i + 1 : end].strip()
            if _WORDLIKE.search(phrase):
                toks.append(_Tok("TERM", phrase, phrase=True))
            elif toks and toks[-1].kind == "FIELD":
                # `title:""` names a field and then gives it nothing to search for.
                raise QuerySyntaxError(_("Nothing to search for after “%(field)s:”.") % {"field": toks[-1].text})
            i = end + 1
            continue
        if text.startswith("&&", i):
            toks.append(_Tok("AND"))
            i += 2
            continue
        if text.startswith("||", i):
            toks.append(_Tok("OR"))
            i += 2
            continue
        if c in "-!" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "-!)":
            toks.append(_Tok("NOT"))
            i += 1
            continue
        # A word: up to whitespace, a bracket or a quotation mark.
        j = i
        while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
            j += 1
        word = text[i:j]
        i = j
        if word in ("AND", "OR", "NOT"):
            toks.append(_Tok(word))
            continue
        if ":" in word:
            prefix, _sep, rest = word.partition(":")
            field = _field_of(prefix)
            if field is not None:
                if rest:
                    if _WORDLIKE.search(rest):
                        toks.append(_Tok("TERM", rest, field=field))
                    continue
                if i < n and text[i] in '("':
                    toks.append(_Tok("FIELD", prefix, field=field))
                    continue
                raise QuerySyntaxError(_("Nothing to search for after “%(field)s:”.") % {"field": prefix})
        if _WORDLIKE.search(word):
            toks.append(_Tok("TERM", word))
    return toks


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse_or(self, field: str) -> Node:
        children = [self.parse_and(field)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RP", "OR", "AND"):
                raise QuerySyntaxError(_("OR must be followed by something to search for."))
            children.append(self.parse_and(field))
        return children[0] if len(children) == 1 else BoolNode("or", tuple(children))

    def parse_and(self, field: str) -> Node:
        positive: list[Node] = []
        negative: list[Node] = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in ("RP", "OR"):
                break
            if tok.kind == "AND":
                if not positive and not negative:
                    raise QuerySyntaxError(_("AND must come between two things to search for."))
                self.take()
                nxt = self.peek()
                if nxt is None or nxt.kind in ("RP", "OR", "AND"):
                    raise QuerySyntaxError(_("AND must come between two things to search for."))
                continue
            negate = False
            if tok.kind == "NOT":
                self.take()
                negate = True
                nxt = self.peek()
                if nxt is None or nxt.kind in ("RP", "OR", "AND", "NOT"):
                    raise QuerySyntaxError(_("NOT must be followed by something to exclude."))
            (negative if negate else positive).append(self.parse_primary(field))
        if not positive:
            if negative:
                raise QuerySyntaxError(_("A search cannot only exclude; add something to look for."))
            raise QuerySyntaxError(_("Empty brackets or a missing search term."))
        node = positive[0] if len(positive) == 1 else BoolNode("and", tuple(positive))
        if negative:
            node = BoolNode("not", (node, *negative))
        return node

    def parse_primary(self, field: str) -> Node:
        tok = self.take()
        if tok.kind == "LP":
            inner = self.parse_or(field)
            self.expect_rp()
            return inner
        if tok.kind == "FIELD":
            nxt = self.take()
            if nxt.kind == "LP":
                inner = self.parse_or(tok.field)
                self.expect_rp()
                return inner
            return Term(tok.field, nxt.text, phrase=nxt.phrase)
        if tok.kind == "TERM":
            return Term(tok.field or field, tok.text, phrase=tok.phrase)
        raise QuerySyntaxError(
            _("Unexpected “%(token)s”.") % {"token": tok.kind if tok.kind != "RP" else ")"}
        )

    def expect_rp(self) -> None:
        tok = self.peek()
        if tok is None or tok.kind != "RP":
            raise QuerySyntaxError(_("A bracket is not closed."))
        self.take()


MAX_QUERY_LENGTH = 1000


def parse(text: str | None, default_field: str = "any") -> Node | None:
    """The query tree for search box text; None for an empty box (match everything).

    Words without a ``field:`` prefix search ``default_field`` (e.g. the REST ``title=`` parameter).
    """
    if text is None:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            _("The search is too long (at most %(n)d characters).") % {"n": MAX_QUERY_LENGTH}
        )
    toks = _lex(text)
    if not toks:
        return None
    parser = _Parser(toks)
    node = parser.parse_or(default_field)
    if parser.peek() is not None:
        # Only a stray closing bracket can stop the parser early.
        raise QuerySyntaxError(_("A closing bracket has no opening one."))
    return node
