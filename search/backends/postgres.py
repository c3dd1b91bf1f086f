"""PostgreSQL full-text backend (the default): stock PostgreSQL only, no extensions.

Design for broad queries (a common word can match hundreds of thousands of records):

* matching is one GIN lookup per term on tsvectors of our own tokens (``search.analysis``);
* the matches are read once (a materialised CTE holding id, static rank and facet keys); from
  it come the total, the facet counts (one ``unnest``/``GROUP BY`` over ``facet_keys``) and a
  bounded candidate set: the ``CANDIDATES`` best by static rank (how many members hold the
  record), with exact-title and exact-pinyin matches always first;
* only those candidates are scored with ``ts_rank`` (title weighted above other fields), so
  ranking cost does not grow with the number of matches. When a search matches fewer records
  than ``CANDIDATES`` (the usual, specific search) every match is ranked;
* pages beyond the candidate window continue in static-rank order;
* facet counts are exact up to ``FACET_EXACT_LIMIT`` matches; above it they are estimated from
  a deterministic hash sample of about that many matches, scaled to the total (Elasticsearch's
  ``sampler`` aggregation makes the same trade), and the result says so
  (``facets_estimated``). Unnesting every match's facet keys would otherwise cost more than
  finding the matches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import isbn
from search import analysis
from search.contract import FACETS, SORTS, BoolNode, Node, SearchBackend, SearchQuery, SearchResult, Term
from search.exceptions import BadSearchParameter

TABLE = "search_document"
CANDIDATES = 500
FACET_EXACT_LIMIT = 5000
MAX_WINDOW = 10000  # offset + limit, as Elasticsearch's max_result_window
FIELD_GAP = 100  # position gap between fields so phrases do not span two fields
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position; later words share it
MAX_POSITIONS_PER_WORD = 256  # and the most positions it keeps for one lexeme
# A tsvector holds at most 1 MB. Past this budget (half of it, leaving room for the positions
# and headers the estimate leaves out) new words of a field are left out: the record is still
# indexed and found by the words before them.
MAX_VECTOR_BYTES = 512 * 1024
_LEXEME_OVERHEAD = 8  # a lexeme's entry and alignment in the stored tsvector


# --- Building rows -------------------------------------------------------------------------


def _lexeme(tok: str) -> str:
    return "'" + tok.replace("\\", "\\\\").replace("'", "''") + "'"


class _VectorBuilder:
    """Accumulates (token, position) pairs from several fields into one tsvector literal."""

    def __init__(self):
        self.positions: dict[str, list[int]] = {}
        self.offset = 0
        self.size = 0  # estimated bytes of the tsvector

    def _word(self, tok: str) -> list[int] | None:
        """The positions of ``tok``, None when it is new and the vector is full."""
        plist = self.positions.get(tok)
        if plist is None:
            cost = len(tok.encode()) + _LEXEME_OVERHEAD
            if self.size + cost > MAX_VECTOR_BYTES:
                return None
            self.size += cost
            plist = self.positions[tok] = []
        return plist

    def add_text(self, text: str, *, limit: int | None = None) -> None:
        if not text:
            return
        if limit:
            text = text[:limit]
        last = 0
        for tok, pos in analysis.tokens(text):
            p = min(self.offset + pos, MAX_POSITION)
            plist = self._word(tok)
            if plist is not None and len(plist) < MAX_POSITIONS_PER_WORD and p not in plist[-1:]:
                plist.append(p)
                self.size += 2
            last = max(last, pos)
        self.offset = min(self.offset + last + FIELD_GAP, MAX_POSITION)

    def add_tokens(self, toks: Iterable[str]) -> None:
        for tok in toks:
            if tok:
                self._word(tok[: analysis.MAX_WORD])

    def literal(self) -> str:
        parts = []
        for tok, plist in self.positions.items():
            if plist:
                parts.append(_lexeme(tok) + ":" + ",".join(map(str, sorted(set(plist)))))
            else:
                parts.append(_lexeme(tok))
        return " ".join(parts)


def _vector(*texts: str, limit: int | None = None) -> str:
    builder = _VectorBuilder()
    for text in texts:
        builder.add_text(text, limit=limit)
    return builder.literal()


def _pinyin_vector(pinyin: set[str]) -> str:
    builder = _VectorBuilder()
    builder.add_tokens(sorted(pinyin))
    return builder.literal()


def facet_keys(doc: dict) -> list[str]:
    keys = [f"library:{c}" for c in doc["libraries"]]
    keys += [f"district:{c}" for c in doc["districts"]]
    keys.append(f"material_type:{doc['material_type']}")
    keys += [f"language:{lang}" for lang in doc["languages"]]
    if doc["year"] is not None:
        keys.append(f"year:{doc['year']}")
    keys += [f"clc_class:{c}" for c in doc["clc_classes"]]
    keys.append(f"available:{'true' if doc['available'] else 'false'}")
    return [k[:60] for k in dict.fromkeys(keys)]


def static_rank(doc: dict) -> int:
    return doc["holdings_count"] * 100 + min(doc.get("items_total", 0), 99)


def row_for(doc: dict) -> tuple:
    """The ``search_document`` row of a search document (see ``search.documents``)."""
    titles = [doc["title"], doc["other_title"], *doc["parallel_titles"], doc["volume"]]
    title_text = " ".join(t for t in titles if t)
    authors = " ".join(doc["authors"])
    subjects = " ".join(doc["subjects"])
    isbns = sorted({form for value in doc["isbns"] for form in isbn.search_forms(value)})
    issns = analysis.issn_forms(doc["issns"])
    clc = sorted({p for code in doc["clc"] for p in analysis.clc_prefixes(code)})

    anyv = _VectorBuilder()
    for text in (
        title_text,
        " ".join(doc["series"]),
        doc["responsibility"],
        authors,
        subjects,
        doc["publisher"],
        doc["edition"],
    ):
        anyv.add_text(text)
    anyv.add_text(doc["summary"], limit=2000)
    anyv.add_tokens(i.lower() for i in isbns)
    anyv.add_tokens(i.lower() for i in issns)
    anyv.add_tokens(c.lower() for c in clc if len(c) >= 2)

    pinyin, pinyin_key, initials_key = analysis.pinyin_forms(doc["title"])

    return (
        doc["id"],
        doc["version"],
        doc["title"],
        analysis.title_key(doc["title"]),
        pinyin_key if pinyin else "",
        initials_key if pinyin else "",
        anyv.literal(),
        _vector(title_text),
        _vector(authors, doc["responsibility"]),
        _vector(subjects),
        _vector(doc["publisher"]),
        _pinyin_vector(pinyin),
        isbns,
        issns,
        clc,
        facet_keys(doc),
        doc["year"],
        doc["available"],
        static_rank(doc),
    )


_COLUMNS = (
    "record_id, version, title, title_key, pinyin_key, initials_key, any_tv, title_tv, author_tv, "
    "subject_tv, publisher_tv, pinyin_tv, isbns, issns, clc_prefixes, facet_keys, year, available, "
    "static_rank"
)
_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS.split(", ")[1:])


# --- Compiling queries ---------------------------------------------------------------------


def _tsquery_for_tokens(toks: list[tuple[str, int]], phrase: bool) -> str | None:
    if not toks:
        return None
    if not phrase or len(toks) == 1:
        return " & ".join(dict.fromkeys(_lexeme(t) for t, _p in toks))
    parts = [_lexeme(toks[0][0])]
    for (_prev, ppos), (tok, pos) in zip(toks, toks[1:], strict=False):
        parts.append(f"<{max(pos - ppos, 1)}>")
        parts.append(_lexeme(tok))
    return " ".join(parts)


def _clc_like(text: str) -> str | None:
    code = analysis.clc_normal(text)
    if re.fullmatch(r"[A-Z]{1,2}\d[\d.\-/]*", code):
        return code
    return None


class _Compiler:
    def __init__(self):
        self.rank_tokens: list[str] = []

    def node(self, node: Node) -> tuple[str, list]:
        if isinstance(node, Term):
            return self.term(node)
        if not isinstance(node, BoolNode) or not node.children:
            raise BadSearchParameter(_("Malformed query."))
        parts = []
        params: list = []
        for i, child in enumerate(node.children):
            if node.op == "not" and i > 0:
                saved = list(self.rank_tokens)
                sql, p = self.node(child)
                self.rank_tokens = saved  # excluded words do not rank
                parts.append(f"NOT ({sql})")
            else:
                sql, p = self.node(child)
                parts.append(f"({sql})")
            params += p
        joiner = " OR " if node.op == "or" else " AND "
        return joiner.join(parts), params

    def term(self, term: Term) -> tuple[str, list]:
        field = term.field
        text = term.text or ""
        if field == "isbn":
            forms = sorted(isbn.search_forms(text))
            return ("isbns && %s::varchar[]", [forms]) if forms else ("FALSE", [])
        if field == "issn":
            form = analysis.issn_form(text)
            return ("issns && %s::varchar[]", [[form]]) if form else ("FALSE", [])
        if field == "clc":
            code = analysis.clc_normal(text)
            return ("clc_prefixes @> %s::varchar[]", [[code]]) if code else ("FALSE", [])
        if field == "year":
            low, high = analysis.year_range(text)
            if low is None:
                return "year <= %s", [high]
            if high is None:
                return "year >= %s", [low]
            return "year BETWEEN %s AND %s", [low, high]
        toks = analysis.tokens(text, query=True)
        tsq = _tsquery_for_tokens(toks, term.phrase)
        column = {
            "any": "any_tv",
            "title": "title_tv",
            "author": "author_tv",
            "subject": "subject_tv",
            "publisher": "publisher_tv",
        }.get(field)
        if column is None:
            raise BadSearchParameter(_("Unknown search field “%(field)s”.") % {"field": field})
        if field == "any":
            alternatives = []
            if isbn.is_isbn_shaped(text):
                alternatives += [_lexeme(f.lower()) for f in sorted(isbn.search_forms(text))]
            if analysis.looks_like_issn(text):
                alternatives.append(_lexeme(analysis.issn_form(text).lower()))
            code = _clc_like(text)
            if code:
                alternatives.append(_lexeme(code.lower()))
            if alternatives:
                tsq = " | ".join(([f"({tsq})"] if tsq else []) + alternatives)
        self.rank_tokens += [t for t, _p in toks]
        clauses, params = [], []
        if tsq:
            clauses.append(f"{column} @@ %s::tsquery")
            params.append(tsq)
        if field in ("any", "title"):
            word = analysis.pinyin_query(text)
            if word:
                clauses.append("pinyin_tv @@ %s::tsquery")
                params.append(_lexeme(word) + ":*")
        if not clauses:
            return "FALSE", []
        return " OR ".join(clauses), params


def _exact_keys(node: Node | None) -> tuple[str | None, str | None]:
    """(folded title, pinyin word) a whole-title match would have, for the exact-title boost."""
    terms: list[Term] = []
    if isinstance(node, Term):
        terms = [node]
    elif isinstance(node, BoolNode) and node.op == "and" and all(isinstance(c, Term) for c in node.children):
        terms = list(node.children)
    if not terms or any(t.field not in ("any", "title") for t in terms):
        return None, None
    text = " ".join(t.text for t in terms)
    key = analysis.title_key(text) or None
    word = analysis.pinyin_query(text) if len(terms) == 1 else None
    return key, word


def _worker_init() -> None:
    """A forked worker opens its own database connection (the parent closed its own first)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None


def _rows_for_ids(ids: list[int]) -> tuple[int, list[tuple]]:
    from search.documents import documents_for

    docs, _gone = documents_for(ids)
    return len(ids), [row_for(doc) for doc in docs]


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self, table: str = TABLE, facet_exact_limit: int = FACET_EXACT_LIMIT):
        self.table = table
        self.facet_exact_limit = int(facet_exact_limit)

    # --- writing ---------------------------------------------------------------------------

    def ensure_index(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"public.{self.table}"])
            if cursor.fetchone()[0] is None:
                raise DatabaseError(f"search table {self.table} is missing; run migrate")

    def index(self, documents: Iterable[dict]) -> int:
        rows = [row_for(doc) for doc in documents]
        if not rows:
            return 0
        placeholders = (
            "(%s, %s, %s, %s, %s, %s, %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector, "
            "%s::tsvector, %s::tsvector, %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], "
            "%s, %s, %s, now())"
        )
        sql = (
            f"INSERT INTO public.{self.table} ({_COLUMNS}, indexed_at) VALUES {placeholders} "
            f"ON CONFLICT (record_id) DO UPDATE SET {_UPDATES}, indexed_at = now()"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        return len(rows)

    @staticmethod
    def _prepared_rows(batches, workers: int, batch_size: int):
        """(records handled, rows) per batch, prepared here or in worker processes."""
        from search.documents import iter_all_documents

        if workers <= 1 or batches is not None:
            for docs in batches if batches is not None else iter_all_documents(batch_size):
                yield len(docs), [row_for(doc) for doc in docs]
            return
        import multiprocessing

        from django.db import connections

        from union.models import UnionRecord

        ids = list(UnionRecord.objects.filter(deleted=False).order_by("pk").values_list("pk", flat=True))
        chunks = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        connections.close_all()  # children must not share the parent's connection
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
            yield from pool.imap(_rows_for_ids, chunks)

    def rebuild(
        self,
        batches: Iterable[list[dict]] | None = None,
        progress: Callable[[int], None] | None = None,
        *,
        workers: int = 1,
        batch_size: int = 2000,
    ) -> int:
        """Build a complete new table with COPY, index it once, and swap it in (zero downtime).

        Searches keep using the old table until the swap, a short rename under an exclusive
        lock. Bulk loading before creating the GIN indexes is several times faster than
        updating them row by row. Records changed while the build ran are indexed again after
        the swap, so nothing written meanwhile is lost.

        ``batches`` of documents default to every live union record; with ``workers`` > 1 the
        documents and rows are prepared in that many processes.
        """
        from search.documents import documents_for
        from union.models import UnionChange, UnionRecord

        started = timezone.now()
        build = f"{self.table}_build"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS public.{build}")
            cursor.execute(f"CREATE TABLE public.{build} (LIKE public.{self.table} INCLUDING DEFAULTS)")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
                [self.table],
            )
            index_defs = cursor.fetchall()
        written = 0
        for count, rows in self._prepared_rows(batches, workers, batch_size):
            now = timezone.now()
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY public.{build} ({_COLUMNS}, indexed_at) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, now))
            written += len(rows)
            if progress:
                progress(count)
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for name, definition in index_defs:
                if name.endswith("_pkey"):
                    cursor.execute(
                        f"ALTER TABLE public.{build} ADD CONSTRAINT {name}_b PRIMARY KEY (record_id)"
                    )
                else:
                    cursor.execute(
                        definition.replace(
                            f" {name} ON public.{self.table} ", f" {name}_b ON public.{build} "
                        )
                    )
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute(f"ANALYZE public.{build}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE public.{self.table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"DROP TABLE public.{self.table}")
            cursor.execute(f"ALTER TABLE public.{build} RENAME TO {self.table}")
            for name, _definition in index_defs:
                if name.endswith("_pkey"):
                    cursor.execute(f"ALTER TABLE public.{self.table} RENAME CONSTRAINT {name}_b TO {name}")
                else:
                    cursor.execute(f"ALTER INDEX public.{name}_b RENAME TO {name}")
        changed = set(UnionRecord.objects.filter(updated_at__gte=started).values_list("pk", flat=True))
        changed |= set(
            UnionChange.objects.filter(processed_at__gte=started).values_list("union_record_id", flat=True)
        )
        if changed:
            docs, gone = documents_for(changed)
            self.index(docs)
            self.delete(gone)
        return written

    def delete(self, union_record_ids: Iterable[int]) -> int:
        ids = list(union_record_ids)
        if not ids:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM public.{self.table} WHERE record_id = ANY(%s)", [ids])
            return cursor.rowcount

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE public.{self.table}")

    # --- reading ---------------------------------------------------------------------------

    def where(self, query: SearchQuery) -> tuple[str, list, list[str]]:
        """SQL condition (with parameters) for a query's match and filters, and its rank tokens."""
        clauses, params = [], []
        compiler = _Compiler()
        if query.query is not None:
            sql, p = compiler.node(query.query)
            clauses.append(f"({sql})")
            params += p
        for facet, values in sorted(query.filters.items()):
            if facet not in FACETS:
                raise BadSearchParameter(_("Unknown filter “%(facet)s”.") % {"facet": facet})
            values = [v for v in values if v not in (None, "")]
            if not values:
                continue
            clauses.append("facet_keys && %s::varchar[]")
            params.append([f"{facet}:{v}"[:60] for v in values])
        if query.year_from is not None:
            clauses.append("year >= %s")
            params.append(query.year_from)
        if query.year_to is not None:
            clauses.append("year <= %s")
            params.append(query.year_to)
        return (" AND ".join(clauses) or "TRUE"), params, compiler.rank_tokens

    def search(self, query: SearchQuery) -> SearchResult:
        if query.sort not in SORTS:
            raise BadSearchParameter(_("Unknown sort “%(sort)s”.") % {"sort": query.sort})
        if query.offset < 0 or query.limit < 0 or query.offset + query.limit > MAX_WINDOW:
            raise BadSearchParameter(
                _("Results can be paged up to record %(n)d; narrow the search.") % {"n": MAX_WINDOW}
            )
        if (
            query.query is None
            and not any(query.filters.values())
            and query.year_from is None
            and query.year_to is None
        ):
            return self._browse_all(query)
        where, params, rank_tokens = self.where(query)
        exact, word = _exact_keys(query.query)
        rank_tsq = " | ".join(dict.fromkeys(_lexeme(t) for t in rank_tokens)) or None

        m_sql = (
            "SELECT record_id, static_rank, facet_keys, year, title_key, "
            "COALESCE(title_key = %s OR pinyin_key = %s OR initials_key = %s, FALSE) AS exact "
            f"FROM public.{self.table} WHERE {where}"
        )
        m_params = [exact, word, word, *params]

        if query.sort == "relevance" and query.query is not None:
            if query.offset + query.limit <= CANDIDATES:
                score = (
                    "(CASE WHEN c.exact THEN 100 ELSE 0 END)"
                    + (
                        " + 4 * ts_rank(d.title_tv, %s::tsquery, 1) + ts_rank(d.any_tv, %s::tsquery, 1)"
                        if rank_tsq
                        else ""
                    )
                    + " + 0.05 * ln(1 + d.static_rank)"
                )
                hits_sql = (
                    f"SELECT 'h', NULL, d.record_id, {score} AS score FROM "
                    "(SELECT record_id, exact FROM m ORDER BY exact DESC, static_rank DESC, record_id "
                    f"LIMIT {CANDIDATES}) c JOIN public.{self.table} d USING (record_id) "
                    "ORDER BY score DESC, d.static_rank DESC, d.record_id OFFSET %s LIMIT %s"
                )
                hits_params = ([rank_tsq, rank_tsq] if rank_tsq else []) + [query.offset, query.limit]
            else:
                hits_sql = (
                    "SELECT 'h', NULL, record_id, NULL FROM m "
                    "ORDER BY exact DESC, static_rank DESC, record_id OFFSET %s LIMIT %s"
                )
                hits_params = [query.offset, query.limit]
        else:
            order = {
                "relevance": "static_rank DESC, record_id",
                "year_desc": "year DESC NULLS LAST, static_rank DESC, record_id",
                "year_asc": "year ASC NULLS LAST, static_rank DESC, record_id",
                "title": "title_key, record_id",
            }[query.sort]
            hits_sql = f"SELECT 'h', NULL, record_id, NULL FROM m ORDER BY {order} OFFSET %s LIMIT %s"
            hits_params = [query.offset, query.limit]

        parts = ["SELECT 't', NULL::text, count(*), NULL::float8 FROM m"]
        part_params: list = []
        if query.facets:
            limit = self.facet_exact_limit
            sample = (
                "(SELECT m.facet_keys FROM m, (SELECT count(*) AS c FROM m) n "
                f"WHERE n.c <= {limit} OR mod(abs(hashint8(m.record_id)), ceil(n.c / {limit}.0)::bigint) = 0) s"
            )
            parts.append(f"SELECT 'f', k, count(*), NULL FROM {sample}, unnest(s.facet_keys) k GROUP BY k")
            parts.append(f"SELECT 's', NULL, count(*), NULL FROM {sample}")
        parts.append(f"({hits_sql})")
        part_params += hits_params
        sql = f"WITH m AS MATERIALIZED ({m_sql}) " + " UNION ALL ".join(parts)

        total, ids, counts = 0, [], defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(sql, m_params + part_params)
            rows = cursor.fetchall()
        hits = []
        sampled = 0
        for kind, key, number, _score in rows:
            if kind == "t":
                total = number
            elif kind == "s":
                sampled = number
            elif kind == "f":
                facet, _sep, value = key.partition(":")
                counts[facet].append((value, number))
            else:
                hits.append(number)
        ids = hits
        facets = {}
        estimated = bool(query.facets and sampled and sampled < total)
        if estimated:
            scale = total / sampled
            counts = {f: [(v, max(1, round(n * scale))) for v, n in vs] for f, vs in counts.items()}
        if query.facets:
            for facet in FACETS:
                values = sorted(counts.get(facet, []), key=lambda vc: (-vc[1], vc[0]))
                facets[facet] = values[: query.facet_size]
        result = SearchResult(total=total, ids=ids, facets=facets)
        result.facets_estimated = estimated  # not part of the contract; shown by the API
        return result

    def _browse_all(self, query: SearchQuery) -> SearchResult:
        """Every record (no words, no filters): the OPAC's starting point, kept cheap.

        The page comes straight off the static-rank index; facets are exact for a small
        catalogue and otherwise estimated from a repeatable block sample of the table.
        """
        order = {
            "relevance": "static_rank DESC, record_id",
            "year_desc": "year DESC NULLS LAST, static_rank DESC, record_id",
            "year_asc": "year ASC NULLS LAST, static_rank DESC, record_id",
            "title": "title_key, record_id",
        }[query.sort]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM public.{self.table}")
            total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT record_id FROM public.{self.table} ORDER BY {order} OFFSET %s LIMIT %s",
                [query.offset, query.limit],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
            estimated = False
            if query.facets and total:
                source = f"public.{self.table}"
                if total > self.facet_exact_limit:
                    percent = min(100.0, 100.0 * self.facet_exact_limit / total)
                    source += f" TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (7)"
                    estimated = True
                cursor.execute(
                    f"SELECT k, count(*) FROM {source}, unnest(facet_keys) k GROUP BY k "
                    f"UNION ALL SELECT NULL, count(*) FROM {source}"
                )
                rows = cursor.fetchall()
                sampled = next((n for k, n in rows if k is None), 0)
                scale = total / sampled if estimated and sampled else 1
                for key, number in rows:
                    if key is not None:
                        facet, _sep, value = key.partition(":")
                        counts[facet].append((value, max(1, round(number * scale))))
        facets = {}
        if query.facets:
            for facet in FACETS:
                values = sorted(counts.get(facet, []), key=lambda vc: (-vc[1], vc[0]))
                facets[facet] = values[: query.facet_size]
        result = SearchResult(total=total, ids=ids, facets=facets)
        result.facets_estimated = estimated
        return result

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        key = analysis.title_key(prefix or "")
        if not key:
            return []
        like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses, params = ["title_key LIKE %s"], [like]
        word = analysis.pinyin_query(prefix)
        if word:
            clauses += ["pinyin_key LIKE %s", "initials_key LIKE %s"]
            params += [word + "%", word + "%"]
        sql = " UNION ".join(
            f"(SELECT title, static_rank FROM public.{self.table} WHERE {c} ORDER BY static_rank DESC LIMIT %s)"
            for c in clauses
        )
        params = [p for pair in zip(params, [limit * 3] * len(params), strict=True) for p in pair]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT title, max(static_rank) r FROM ({sql}) s GROUP BY title ORDER BY r DESC, title",
                params,
            )
            titles = [t for t, _r in cursor.fetchall() if t]
        return titles[:limit]

    def indexed_versions(self) -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT record_id, version FROM public.{self.table}")
            return dict(cursor.fetchall())

    def status(self) -> dict:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [f"public.{self.table}"],
                )
                row = cursor.fetchone()
        except DatabaseError as exc:
            return {"ok": False, "error": str(exc)[:200]}
        if row is None:
            return {"ok": False, "error": "search table missing"}
        return {"ok": True, "documents_estimate": max(int(row[0]), 0)}
