"""One DRF router for the whole API; each app registers its own viewsets."""

from rest_framework.routers import DefaultRouter

from diversity.api import register_routes as register_diversity
from votes.api import register_routes as register_votes

router = DefaultRouter()
register_votes(router)
register_diversity(router)

urlpatterns = router.urls
