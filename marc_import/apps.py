from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarcImportConfig(AppConfig):
    name = "marc_import"
    verbose_name = _("MARC import")
