from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "tenants.catalogue"
    label = "catalogue"
    verbose_name = _("Local catalogue")
