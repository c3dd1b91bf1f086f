from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health, views
from ill.api import iso18626 as iso18626_views
from search.oai import views as oai_views
from search.sru import views as sru_views

# Unknown paths under /api/ answer JSON, others the normal page (see also JsonNotFoundMiddleware).
handler404 = "core.api.errors.page_not_found"
handler500 = "core.api.errors.server_error"

api_v1 = [
    path("", include("tenants.api.urls")),
    path("", include("search.api.urls")),
    path("libraries/<str:code>/", include("tenants.catalogue.api.urls")),
    path("libraries/<str:code>/", include("marc_import.api.urls")),
    path("libraries/<str:code>/", include("circulation.api.urls")),
    path("union/", include("union.api.urls")),
    path("ill/", include("ill.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("oai", oai_views.oai, name="oai"),
    path("sru", sru_views.sru, name="sru"),
    path("iso18626", iso18626_views.iso18626, name="iso18626"),
    path("search/", include("search.web.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("union/", include("union.web.urls")),
    path("lib/<str:code>/", views.library_home, name="library-home"),
    path("lib/<str:code>/", include("marc_import.urls")),
    path("lib/<str:code>/", include("circulation.web.urls")),
    path("ill/", include("ill.web.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
