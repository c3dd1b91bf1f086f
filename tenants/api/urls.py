from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from tenants.api import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
member_router = SimpleRouter()
member_router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = [
    path("auth/token/", views.ObtainToken.as_view(), name="auth-token"),
    path("me/", views.Me.as_view(), name="me"),
    path("libraries/", views.LibraryListCreate.as_view(), name="library-list"),
    path("libraries/<str:code>/", views.LibraryDetail.as_view(), name="library-detail"),
    path("libraries/<str:code>/", include(member_router.urls)),
    path("", include(router.urls)),
]
