from django.urls import path

from search.web import views

app_name = "opac"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("record/<str:urid>/", views.record_page, name="record"),
    path("suggest/", views.suggest_options, name="suggest"),
]
