import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from tenants.models import Library
from union.services.check import check_union


class Command(BaseCommand):
    help = _("Report drift between the members' local catalogues and the union catalogue; fails if there is any.")

    def add_arguments(self, parser):
        parser.add_argument("--allow-pending", action="store_true",
                            help=_("do not count changes still waiting in the outbox"))
        parser.add_argument("--limit", type=int, default=50, help=_("problems to list"))
        parser.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    def handle(self, *args, **opts):
        bar = tqdm(total=Library.objects.filter(is_active=True).count(), unit="library", disable=opts["quiet"],
                   file=self.stderr._out)
        report = check_union(allow_pending=opts["allow_pending"], progress=lambda _lib: bar.update(1))
        bar.close()
        self.stdout.write(
            _("%(records)d member records and %(union)d union records checked.")
            % {"records": report.checked_records, "union": report.checked_union_records}
        )
        if report.dead_changes:
            self.stdout.write(
                _("Dead-lettered catalogue changes: %(count)d. Fix their cause, then run "
                  "manage.py requeue_outbox catalogue.") % {"count": report.dead_changes}
            )
        if report.clean:
            self.stdout.write(_("No drift."))
            return
        for problem in report.problems[: opts["limit"]]:
            self.stdout.write(json.dumps(problem, ensure_ascii=False, default=str))
        raise CommandError(_("%(count)d problems found.") % {"count": len(report.problems)})
