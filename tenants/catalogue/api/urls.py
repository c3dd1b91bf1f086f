from rest_framework.routers import SimpleRouter

from tenants.catalogue.api.views import InstanceViewSet

router = SimpleRouter()
router.register("instances", InstanceViewSet, basename="instance")
urlpatterns = router.urls
