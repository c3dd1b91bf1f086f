"""ILL API routes: fees (see ill/api/urls.py)."""

urlpatterns: list = []
