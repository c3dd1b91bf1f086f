"""Compare the search index with the union catalogue; exit non-zero on drift."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core import outbox
from search.backends import BACKENDS
from search.services.indexing import index_drift
from union.models import UnionChange


class Command(BaseCommand):
    help = (
        "Compare indexed versions with the database. Exits 1 if records are missing from the "
        "index, stale (an older version) or extra (deleted records still indexed), or if union "
        "record changes were dead-lettered (the backend refused them repeatedly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=BACKENDS, help="default: the configured SEARCH_BACKEND")
        parser.add_argument("--show", type=int, default=10, help="how many ids of each kind to list")

    def handle(self, *args, backend=None, show=10, **options):
        drift = index_drift(backend)
        self.stdout.write(f"records: {drift['records']}  indexed: {drift['indexed']}")
        dead = outbox.dead_count(UnionChange)
        bad = bool(dead)
        if dead:
            self.stdout.write(_("dead-lettered union changes: %(count)d") % {"count": dead})
            self.stderr.write(_("fix what the search backend refused, then run manage.py requeue_outbox union"))
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
