"""A small recursive-descent parser for CQL 1.2 (the Contextual Query Language of SRU).

``parse(text)`` gives a tree of ``Clause`` / ``Boolean`` nodes (plus prefix assignments and
sort keys) that follows the CQL grammar closely; ``to_search`` then turns that tree into the
search contract's ``Term`` / ``BoolNode`` nodes, resolving indexes and relations, and raises
``Diagnostic`` for anything our catalogue cannot answer (an unknown index, ``prox``, ...).

Grammar (CQL 1.2)::

    cqlQuery      ::= prefixAssignment cqlQuery | scopedClause [sortby sortSpec]
    prefixAssign  ::= '>' prefix '=' uri | '>' uri
    scopedClause  ::= scopedClause booleanGroup searchClause | searchClause
    booleanGroup  ::= boolean [modifierList]
    searchClause  ::= '(' cqlQuery ')' | index relation searchTerm | searchTerm
    relation      ::= comparitor [modifierList]
    modifier      ::= '/' name [comparitorSymbol value]

Booleans have equal precedence and associate to the left. Like Index Data's YAZ we also accept
"free-form" terms of several words (``dc.title 西游 记``, ``a b``), read as one term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.contract import BoolNode, Node, Term
from search.sru.diagnostics import Diagnostic

BOOLEANS = ("and", "or", "not", "prox")
SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">")
NAMED_RELATIONS = ("any", "all", "adj", "exact", "within", "encloses")

CONTEXT_SETS = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
}
# Older/alternative identifiers seen in the wild for the same sets.
_URI_ALIASES = {
    "info:srw/cql-context-set/1/cql-v1.1": "cql",
    "info:srw/cql-context-set/1/dc-v1.1": "dc",
    "info:srw/cql-context-set/1/dc-v1.0": "dc",
    "http://zing.z3950.org/cql/bath/2.0/": "bath",
    "info:srw/cql-context-set/4/bath-v2.0": "bath",
}
_URI_ALIASES.update({uri: name for name, uri in CONTEXT_SETS.items()})

# Index (set, name) -> contract field. Unprefixed indexes are looked up in dc, then bath, then cql.
INDEXES = {
    ("cql", "anywhere"): "any",
    ("cql", "serverchoice"): "any",
    ("cql", "keywords"): "any",
    ("cql", "allrecords"): None,  # matches every record
    ("dc", "title"): "title",
    ("dc", "creator"): "author",
    ("dc", "author"): "author",
    ("dc", "contributor"): "author",
    ("dc", "subject"): "subject",
    ("dc", "publisher"): "publisher",
    ("dc", "date"): "year",
    ("bath", "isbn"): "isbn",
    ("bath", "issn"): "issn",
    ("bath", "name"): "author",
    ("bath", "subject"): "subject",
    ("bath", "title"): "title",
    ("bath", "keytitle"): "title",
    ("bath", "anywhere"): "any",
}
# Our own index for the Chinese Library Classification (no public context set covers it).
LOCAL_INDEXES = {"clc": "clc"}


class CQLSyntaxError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(f"{message} at position {position}")
        self.position = position


@dataclass(frozen=True)
class Modifier:
    name: str
    comparison: str = ""
    value: str = ""


@dataclass(frozen=True)
class Clause:
    term: str
    index: str = ""  # "" -> cql.serverChoice
    relation: str = "="
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Boolean:
    op: str
    left: Clause | Boolean
    right: Clause | Boolean
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class SortKey:
    index: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass
class Query:
    root: Clause | Boolean
    prefixes: dict[str, str] = field(default_factory=dict)
    sort_keys: list[SortKey] = field(default_factory=list)


# --- tokenizer ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<unterminated>"(?:[^"\\]|\\.)*$)
      | (?P<symbol>==|<>|<=|>=|=|<|>|\(|\)|/)
      | (?P<word>[^\s()=<>"/]+)
    )""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "quoted", "symbol", "end"
    text: str  # for quoted: the value without quotes (escapes kept, as CQL says)
    pos: int

    @property
    def lower(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CQLSyntaxError("unexpected character", pos)
        start = m.start(m.lastgroup)
        if m.lastgroup == "unterminated":
            raise CQLSyntaxError("unterminated quoted string", start)
        value = m.group(m.lastgroup)
        if m.lastgroup == "quoted":
            tokens.append(Token("quoted", value[1:-1], start))
        else:
            tokens.append(Token(m.lastgroup, value, start))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.nested_prefixes: dict[str, str] = {}

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.tokens[min(self.i + n, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def error(self, message: str) -> CQLSyntaxError:
        return CQLSyntaxError(message, self.tok.pos)

    def is_term(self, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind in ("word", "quoted")

    def is_symbol(self, *texts: str, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind == "symbol" and tok.text in texts

    def parse(self) -> Query:
        query = self.cql_query(top=True)
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.text!r}")
        query.prefixes = {**self.nested_prefixes, **query.prefixes}
        return query

    def cql_query(self, top: bool = False) -> Query:
        prefixes: dict[str, str] = {}
        while self.is_symbol(">"):
            self.advance()
            if not self.is_term():
                raise self.error("expected a prefix or URI after '>'")
            first = self.advance()
            if self.is_symbol("="):
                self.advance()
                if not self.is_term():
                    raise self.error("expected a URI after '='")
                prefixes[first.text] = self.advance().text
            else:
                prefixes[""] = first.text
        root = self.scoped_clause()
        sort_keys: list[SortKey] = []
        if self.tok.lower == "sortby":
            if not top:
                raise self.error("sortby is only allowed at the end of the query")
            self.advance()
            if not self.is_term():
                raise self.error("expected a sort key after sortby")
            while self.is_term():
                index = self.advance().text
                sort_keys.append(SortKey(index, self.modifiers()))
        return Query(root, prefixes, sort_keys)

    def scoped_clause(self) -> Clause | Boolean:
        left = self.search_clause()
        while self.tok.lower in BOOLEANS:
            op = self.advance().lower
            mods = self.modifiers()
            right = self.search_clause()
            left = Boolean(op, left, right, mods)
        return left

    def search_clause(self) -> Clause | Boolean:
        if self.is_symbol("("):
            self.advance()
            inner = self.cql_query()
            # Prefix maps inside parentheses are legal CQL; we apply them to the whole query.
            self.nested_prefixes.update(inner.prefixes)
            if inner.sort_keys:
                raise self.error("sortby inside parentheses")
            if not self.is_symbol(")"):
                raise self.error("expected ')'")
            self.advance()
            return inner.root
        if not self.is_term():
            raise self.error("expected a search term")
        first = self.advance()
        # index relation term?
        if self.is_symbol(*SYMBOLS) and first.kind == "word":
            relation = self.advance().text
            mods = self.modifiers()
            return Clause(self.search_term(), first.text, relation, mods)
        if (
            first.kind == "word"
            and self.tok.kind == "word"
            and self.tok.lower not in BOOLEANS
            and self.tok.lower != "sortby"
        ):
            if self.tok.lower in NAMED_RELATIONS or "." in self.tok.text:
                relation = self.advance().lower
                mods = self.modifiers()
                return Clause(self._free_form(self.search_term()), first.text, relation, mods)
            # Free-form words: "西游 记" is one term; "dc.title 西游 记" searches that index.
            if "." in first.text:
                return Clause(self._free_form(self.advance().text), first.text)
            return Clause(self._free_form(first.text))
        return Clause(first.text)

    def _free_form(self, term: str) -> str:
        words = [term]
        while self.tok.kind == "word" and self.tok.lower not in BOOLEANS and self.tok.lower != "sortby":
            words.append(self.advance().text)
        return " ".join(words)

    def search_term(self) -> str:
        if not self.is_term():
            raise self.error("expected a search term")
        return self.advance().text

    def modifiers(self) -> tuple[Modifier, ...]:
        mods: list[Modifier] = []
        while self.is_symbol("/"):
            self.advance()
            if self.tok.kind != "word":
                raise self.error("expected a modifier name after '/'")
            name = self.advance().text
            if self.is_symbol(*SYMBOLS):
                comparison = self.advance().text
                if not self.is_term():
                    raise self.error("expected a modifier value")
                mods.append(Modifier(name, comparison, self.advance().text))
            else:
                mods.append(Modifier(name))
        return tuple(mods)


def parse(text: str) -> Query:
    """Parse CQL text; raises ``CQLSyntaxError``."""
    return _Parser(text).parse()


# --- mapping to the search contract ------------------------------------------------------------


@dataclass
class Translated:
    node: Node | None
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"


_MASK = re.compile(r"(?<!\\)[*?^]")
_ESCAPE = re.compile(r"\\(.)")


def _resolve_index(index: str, prefixes: dict[str, str]) -> str | None:
    """Return the contract field (None for cql.allRecords); raise Diagnostic 15/16."""
    if not index:
        return "any"
    if "." in index:
        prefix, _, name = index.partition(".")
    else:
        prefix, name = prefixes.get("", ""), index
        if prefix:
            prefix = prefix if prefix in CONTEXT_SETS else _URI_ALIASES.get(prefix, prefix)
    name_l = name.lower()
    if prefix:
        set_name = prefix.lower()
        if set_name not in CONTEXT_SETS:
            uri = prefixes.get(prefix)
            if uri is None or uri not in _URI_ALIASES:
                raise Diagnostic(15, index, "Unsupported context set")
            set_name = _URI_ALIASES[uri]
        elif prefix in prefixes and prefixes[prefix] not in _URI_ALIASES:
            raise Diagnostic(15, index, "Unsupported context set")
        if (set_name, name_l) in INDEXES:
            return INDEXES[(set_name, name_l)]
        raise Diagnostic(16, index, "Unsupported index")
    if name_l in LOCAL_INDEXES:
        return LOCAL_INDEXES[name_l]
    for set_name in ("dc", "bath", "cql"):
        if (set_name, name_l) in INDEXES:
            return INDEXES[(set_name, name_l)]
    raise Diagnostic(16, index, "Unsupported index")


def _clean_term(term: str) -> str:
    if _MASK.search(term):
        raise Diagnostic(28, term, "Masking character not supported")
    return _ESCAPE.sub(r"\1", term).strip()


def _clause_node(clause: Clause, prefixes: dict[str, str], bounds: dict | None) -> Node | None:
    field_name = _resolve_index(clause.index, prefixes)
    relation = clause.relation.lower()
    if relation.startswith("cql."):
        relation = relation[4:]
    if clause.modifiers:
        raise Diagnostic(20, clause.modifiers[0].name, "Unsupported relation modifier")
    if field_name is None:  # cql.allRecords
        return None
    if relation in ("<", ">", "<=", ">=") and field_name == "year":
        if bounds is None:
            raise Diagnostic(48, f"dc.date {clause.relation}", "Query feature unsupported")
        year = _year(clause.term)
        if relation == ">":
            bounds["from"] = max(bounds.get("from") or year + 1, year + 1)
        elif relation == ">=":
            bounds["from"] = max(bounds.get("from") or year, year)
        elif relation == "<":
            bounds["to"] = min(bounds.get("to") or year - 1, year - 1)
        else:
            bounds["to"] = min(bounds.get("to") or year, year)
        return None
    if relation not in ("=", "==", "exact", "adj", "any", "all"):
        raise Diagnostic(19, clause.relation, "Unsupported relation")
    text = _clean_term(clause.term)
    if not text:
        raise Diagnostic(27, clause.term, "Empty term unsupported")
    if field_name == "year":
        _year(text)
    words = text.split()
    if relation in ("any", "all") and len(words) > 1:
        return BoolNode("or" if relation == "any" else "and", tuple(Term(field_name, w) for w in words))
    # "=" on several words means adjacency (CQL 1.2); exact/== are served as phrase matches.
    return Term(field_name, text, phrase=len(words) > 1)


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{1,4}", text.strip()):
        raise Diagnostic(36, text, "Term in invalid format for index or relation")
    return int(text)


def _to_node(tree: Clause | Boolean, prefixes: dict[str, str], bounds: dict | None) -> Node | None:
    if isinstance(tree, Clause):
        return _clause_node(tree, prefixes, bounds)
    if tree.op == "prox":
        raise Diagnostic(37, "prox", "Unsupported boolean operator")
    if tree.modifiers:
        raise Diagnostic(46, tree.modifiers[0].name, "Unsupported boolean modifier")
    # Year ranges narrow the whole query, so they are only allowed in the top-level AND chain.
    inner_bounds = bounds if tree.op == "and" else None
    left = _to_node(tree.left, prefixes, inner_bounds)
    right = _to_node(tree.right, prefixes, inner_bounds if tree.op == "and" else None)
    if tree.op == "and":
        if left is None:
            return right
        if right is None:
            return left
        children = []
        for child in (left, right):
            children.extend(child.children if isinstance(child, BoolNode) and child.op == "and" else [child])
        return BoolNode("and", tuple(children))
    if tree.op == "or":
        if left is None or right is None:
            return None  # x OR everything = everything
        children = []
        for child in (left, right):
            children.extend(child.children if isinstance(child, BoolNode) and child.op == "or" else [child])
        return BoolNode("or", tuple(children))
    # not
    if right is None:
        raise Diagnostic(48, "not cql.allRecords", "Query feature unsupported")
    if left is None:
        raise Diagnostic(48, "cql.allRecords not ...", "Query feature unsupported")
    return BoolNode("not", (left, right))


SORT_INDEXES = {"title": "title", "date": "year"}


def _sort(keys: list[SortKey], prefixes: dict[str, str]) -> str:
    if not keys:
        return "relevance"
    if len(keys) > 1:
        raise Diagnostic(80, " ".join(k.index for k in keys), "Sort not supported")
    key = keys[0]
    try:
        field_name = _resolve_index(key.index, prefixes)
    except Diagnostic:
        raise Diagnostic(80, key.index, "Sort not supported") from None
    descending = any(m.name.lower() in ("sort.descending", "descending") for m in key.modifiers)
    if field_name == "title" and not descending:
        return "title"
    if field_name == "year":
        return "year_desc" if descending else "year_asc"
    raise Diagnostic(80, key.index, "Sort not supported")


def to_search(query: Query) -> Translated:
    bounds: dict = {}
    node = _to_node(query.root, query.prefixes, bounds)
    return Translated(node, bounds.get("from"), bounds.get("to"), _sort(query.sort_keys, query.prefixes))


def translate(text: str) -> Translated:
    """Parse CQL and map it onto the search contract, raising ``Diagnostic`` for any problem."""
    try:
        query = parse(text)
    except CQLSyntaxError as exc:
        raise Diagnostic(10, str(exc), "Query syntax error") from None
    return to_search(query)
