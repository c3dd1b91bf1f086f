"""REST API of the circulation area "corners" (filled in by its views)."""

urlpatterns: list = []
