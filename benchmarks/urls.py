"""Dharma's own URLs plus the baseline views of benchmarks/bare_views.py.

The baselines come first: URL resolution then costs Dharma's endpoints two failed matches and the
baselines none, so any bias of the ordering counts against Dharma, never for it.
"""

from django.urls import path

from benchmarks import bare_views
from dharma.urls import urlpatterns as dharma_urlpatterns

urlpatterns = [
    path("bench/bare-live", bare_views.bare_live, name="bench-bare-live"),
    path("bench/bare-health", bare_views.bare_health, name="bench-bare-health"),
    path(
        "bench/bare-version/<uuid:blueprint_id>/<int:number>/",
        bare_views.BareCachedVersion.as_view(),
        name="bench-bare-version",
    ),
    *dharma_urlpatterns,
]
