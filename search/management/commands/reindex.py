"""Rebuild the search index from the union catalogue, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends import BACKENDS
from search.services import reindex_all
from union.models import UnionRecord


class Command(BaseCommand):
    help = "Rebuild the search index from every live union record."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=BACKENDS, help="default: the configured SEARCH_BACKEND")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--workers", type=int, default=1, help="processes preparing documents (PostgreSQL)"
        )

    def handle(self, *args, backend=None, batch_size=2000, no_progress=False, workers=1, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be positive")
        total = UnionRecord.objects.filter(deleted=False).count()
        with tqdm(total=total, unit="rec", desc="reindex", disable=no_progress, file=self.stderr._out) as bar:
            written = reindex_all(
                backend=backend, batch_size=batch_size, progress=bar.update, workers=workers
            )
        self.stdout.write(f"indexed {written} union records")
