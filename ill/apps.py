from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "ill"
    verbose_name = _("Interlibrary loan")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ill.web.opac import record_actions
        from search.web import record_actions as opac_actions

        opac_actions.register(record_actions)
