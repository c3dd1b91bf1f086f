"""ILL web pages: requests (see ill/web/urls.py)."""

urlpatterns: list = []
