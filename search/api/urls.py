from django.urls import path

from search.api import views

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("search/suggest/", views.SuggestView.as_view(), name="api-search-suggest"),
]
