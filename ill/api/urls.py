"""The ILL API under /api/v1/ill/, one URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("ill.api.urls_requests")),
    path("", include("ill.api.urls_copies")),
    path("", include("ill.api.urls_fees")),
    path("", include("ill.api.urls_peers")),
]
