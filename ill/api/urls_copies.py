"""ILL API routes: copies (see ill/api/urls.py and ill/api/copies.py)."""

from django.urls import include, path

urlpatterns: list = [path("", include("ill.api.copies"))]
