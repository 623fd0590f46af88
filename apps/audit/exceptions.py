"""Errors of the audit log."""


class AuditLogAppendOnly(Exception):
    """An audit log entry is written once and never changed or deleted."""

    def __init__(self) -> None:
        super().__init__("Audit log entries are append-only: they cannot be changed or deleted.")
