"""manage.py harvest_oai LIBRARY_CODE URL: incremental OAI-PMH harvest into a member's catalogue."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.exceptions import UserError
from marc_import.services.harvest import harvest
from tenants.models import Library


class Command(BaseCommand):
    help = "Harvest MARC records over OAI-PMH (from the last datestamp harvested) into a member library."

    def add_arguments(self, parser):
        parser.add_argument("library_code")
        parser.add_argument("url")
        parser.add_argument("--metadata-prefix", default="marc21")
        parser.add_argument("--set", default="", dest="set_spec")
        parser.add_argument("--from", default=None, dest="since", help="override the stored datestamp")
        parser.add_argument("--full", action="store_true", help="ignore the stored datestamp")
        parser.add_argument("--profile", default=None)

    def handle(self, *args, **opts):
        library = Library.objects.filter(code=opts["library_code"]).first()
        if library is None:
            raise CommandError(_("No member library has the code %(code)s.") % {"code": opts["library_code"]})
        try:
            job = harvest(library, opts["url"], metadata_prefix=opts["metadata_prefix"], set_spec=opts["set_spec"],
                          since=opts["since"], full=opts["full"], profile=opts["profile"])
        except UserError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(job.counts()))
