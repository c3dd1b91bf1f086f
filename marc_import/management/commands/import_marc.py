"""manage.py import_marc LIBRARY_CODE FILE: import a MARC file into a member's local catalogue.

A progress bar is drawn on a terminal (on standard error); the last line of standard output is
one JSON object with the job's counts.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.exceptions import UserError
from marc_import.records import ENCODINGS, FORMATS
from marc_import.services.importer import import_file
from tenants.models import Library


class Command(BaseCommand):
    help = "Import an ISO 2709 or MARCXML file (MARC 21 or CNMARC/UNIMARC) into a member library."

    def add_arguments(self, parser):
        parser.add_argument("library_code")
        parser.add_argument("file")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--encoding", default="auto", choices=ENCODINGS)
        parser.add_argument("--profile", default=None, help="holdings profile name, 'auto' or 'none'")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        library = Library.objects.filter(code=opts["library_code"]).first()
        if library is None:
            raise CommandError(_("No member library has the code %(code)s.") % {"code": opts["library_code"]})
        bar = None
        if not opts["no_progress"] and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=100, unit="%", desc=_("Importing"), file=sys.stderr,
                       bar_format="{l_bar}{bar}| {postfix}")

        def progress(job):
            if bar is not None:
                bar.n = job.progress
                bar.set_postfix_str(_("%(read)d records") % {"read": job.read})
                bar.refresh()

        try:
            job = import_file(library, opts["file"], format=opts["format"], encoding=opts["encoding"],
                              profile=opts["profile"], progress=progress)
        except UserError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(json.dumps(job.counts()))
