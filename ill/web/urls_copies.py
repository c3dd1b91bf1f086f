"""ILL web pages: copies (see ill/web/urls.py)."""

urlpatterns: list = []
