"""The ILL web pages under /ill/, one URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("ill.web.urls_requests")),
    path("", include("ill.web.urls_copies")),
    path("", include("ill.web.urls_fees")),
]
