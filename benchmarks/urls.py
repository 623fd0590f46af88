from django.urls import path

from benchmarks import bare_views
from dharma.urls import urlpatterns as dharma_urlpatterns

urlpatterns = [
    path("bench/bare-live", bare_views.bare_live),
    path("bench/bare-health", bare_views.bare_health),
    *dharma_urlpatterns,
]
