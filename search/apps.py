from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from core import outbox
        from search import tasks
        from union.services.sync import UNION_OUTBOX

        outbox.register_consumer(UNION_OUTBOX, tasks.drain_union_outbox.delay)
