"""REST API of the circulation area "desk" (filled in by its views)."""

urlpatterns: list = []
