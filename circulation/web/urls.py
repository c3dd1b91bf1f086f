"""The circulation pages of one library: /lib/<code>/..."""

from django.urls import include, path

urlpatterns = [
    path("", include("circulation.web." + area)) for area in ("desk", "readers", "corners", "stock", "figures")
]
