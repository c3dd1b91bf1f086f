"""The circulation API of one library: /api/v1/libraries/<code>/..."""

from django.urls import include, path

urlpatterns = [
    path("", include("circulation.api." + area)) for area in ("desk", "readers", "corners", "stock", "figures")
]
