"""ILL API routes: copies (see ill/api/urls.py)."""

urlpatterns: list = []
