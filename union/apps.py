from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnionConfig(AppConfig):
    name = "union"
    verbose_name = _("Union catalogue")

    def ready(self) -> None:
        from core import outbox
        from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
        from union import tasks

        outbox.register_consumer(CATALOGUE_OUTBOX, tasks.drain_catalogue_outbox.delay)
