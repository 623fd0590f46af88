"""List filters of the API. Related rows are filtered by id, never looked up: django-filter's
default for a foreign key (`ModelChoiceFilter`) checks the id against the related model's rows
of every tenant, so an id of another tenant's row would answer differently (200, empty) from an
id that exists nowhere (400, "Select a valid choice") and tell the caller it exists. A UUID
filter answers both the same: an empty page, since the list is narrowed to the caller's tenant.
"""

from copy import deepcopy

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

_BY_ID = {"filter_class": django_filters.UUIDFilter}
FILTER_DEFAULTS = deepcopy(FilterSet.FILTER_DEFAULTS)
FILTER_DEFAULTS.update({models.ForeignKey: _BY_ID, models.OneToOneField: _BY_ID})


class TenantSafeFilterSet(FilterSet):
    """The base of every filterset of the API: related rows are filtered by their UUID."""

    FILTER_DEFAULTS = FILTER_DEFAULTS


class FilterBackend(DjangoFilterBackend):
    """`filterset_fields` of a view build a `TenantSafeFilterSet`."""

    filterset_base = TenantSafeFilterSet
