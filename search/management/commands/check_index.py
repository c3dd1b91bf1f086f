"""Compare the search index with the union catalogue; exit non-zero on drift."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from search.backends import BACKENDS
from search.services.indexing import index_drift


class Command(BaseCommand):
    help = (
        "Compare indexed versions with the database. Exits 1 if records are missing from the "
        "index, stale (an older version) or extra (deleted records still indexed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=BACKENDS, help="default: the configured SEARCH_BACKEND")
        parser.add_argument("--show", type=int, default=10, help="how many ids of each kind to list")

    def handle(self, *args, backend=None, show=10, **options):
        drift = index_drift(backend)
        self.stdout.write(f"records: {drift['records']}  indexed: {drift['indexed']}")
        bad = False
        for kind in ("missing", "stale", "extra"):
            ids = drift[kind]
            if ids:
                bad = True
                listed = ", ".join(map(str, ids[:show])) + (" ..." if len(ids) > show else "")
                self.stdout.write(f"{kind}: {len(ids)} ({listed})")
        if bad:
            self.stderr.write("the search index has drifted; run manage.py reindex")
            sys.exit(1)
        self.stdout.write("the search index matches the database")
