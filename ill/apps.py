from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "ill"
    verbose_name = _("Interlibrary loan")
    default_auto_field = "django.db.models.BigAutoField"
