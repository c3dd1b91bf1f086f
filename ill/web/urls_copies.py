"""ILL web pages: copies (see ill/web/urls.py and ill/web/copies.py)."""

from django.urls import include, path

urlpatterns: list = [path("", include("ill.web.copies"))]
