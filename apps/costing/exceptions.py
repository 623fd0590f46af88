"""Refusals of the costing services (mapped to HTTP by apps/core/api/errors.py)."""

from apps.core.exceptions import Conflict, DomainError


class AllocationNotActive(Conflict):
    code = "allocation_not_active"


class InvalidStatusChange(DomainError):
    code = "invalid_status_change"
