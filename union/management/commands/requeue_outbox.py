from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.translation import gettext as _

from union.services.outboxes import OUTBOXES, dead_rows, requeue


class Command(BaseCommand):
    help = _(
        "Put dead-lettered outbox rows back in the queue once whatever made them fail is fixed "
        "(catalogue: local changes for the union catalogue; union: union record changes for search)."
    )

    def add_arguments(self, parser):
        parser.add_argument("outbox", choices=sorted(OUTBOXES))
        parser.add_argument("--id", type=int, action="append", dest="ids", help=_("only this row (repeatable)"))
        parser.add_argument("--list", action="store_true", help=_("list the dead rows and their errors; requeue nothing"))
        parser.add_argument("--limit", type=int, default=50, help=_("rows to list"))

    def handle(self, *args, **opts):
        connection.set_schema_to_public()
        name = opts["outbox"]
        if opts["list"]:
            for row in dead_rows(name, opts["limit"]):
                self.stdout.write(f"{row.pk}\t{row}\t{row.attempts}\t{row.dead_at:%Y-%m-%d %H:%M}\t{row.last_error}")
            return
        count = requeue(name, opts["ids"])
        self.stdout.write(_("%(count)d rows of the %(outbox)s outbox requeued.") % {"count": count, "outbox": name})
