from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from union.services.rebuild import rebuild


class Command(BaseCommand):
    help = _("Rebuild the union catalogue from every member's local catalogue (keeps union record ids).")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    def handle(self, *args, **opts):
        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=opts["quiet"], file=self.stderr._out, **kwargs)

        stats = rebuild(progress=progress)
        self.stdout.write(
            _("%(records)d records in %(clusters)d union records (%(kept)d ids kept, %(new)d new, "
              "%(retired)d retired, %(changed)d changed, %(reviews)d new reviews) in %(seconds).1f s")
            % {"records": stats.records, "clusters": stats.clusters, "kept": stats.kept_ids, "new": stats.new_ids,
               "retired": stats.retired, "changed": stats.changed, "reviews": stats.reviews,
               "seconds": stats.seconds}
        )
