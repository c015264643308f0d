"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
