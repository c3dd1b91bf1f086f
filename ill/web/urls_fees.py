"""ILL web pages: fees (see ill/web/urls.py)."""

urlpatterns: list = []
