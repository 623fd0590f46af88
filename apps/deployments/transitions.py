"""The deployment workflow's state machines, in one place (pure, no ORM).

Approvals:   pending → approved | rejected | cancelled (all three final).
Executions:  pending → in-progress | cancelled;
             in-progress → completed | failed | rolled-back | cancelled;
             completed → rolled-back (when a rollback execution of it completes).
             failed, rolled-back and cancelled are final.
Steps:       pending → in-progress | skipped; in-progress → completed | failed | skipped.

Services move a row only with a conditional update (`… WHERE status = <the state read>`), so of
two concurrent moves exactly one succeeds and the other is refused with the state it met.
"""

from collections.abc import Mapping

from apps.deployments.choices import ApprovalStatus, ExecutionStatus, StepStatus

APPROVAL: Mapping[str, frozenset[str]] = {
    ApprovalStatus.PENDING: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED}
    ),
    ApprovalStatus.APPROVED: frozenset(),
    ApprovalStatus.REJECTED: frozenset(),
    ApprovalStatus.CANCELLED: frozenset(),
}

EXECUTION: Mapping[str, frozenset[str]] = {
    ExecutionStatus.PENDING: frozenset({ExecutionStatus.IN_PROGRESS, ExecutionStatus.CANCELLED}),
    ExecutionStatus.IN_PROGRESS: frozenset(
        {
            ExecutionStatus.COMPLETED,
            ExecutionStatus.FAILED,
            ExecutionStatus.ROLLED_BACK,
            ExecutionStatus.CANCELLED,
        }
    ),
    ExecutionStatus.COMPLETED: frozenset({ExecutionStatus.ROLLED_BACK}),
    ExecutionStatus.FAILED: frozenset(),
    ExecutionStatus.ROLLED_BACK: frozenset(),
    ExecutionStatus.CANCELLED: frozenset(),
}

STEP: Mapping[str, frozenset[str]] = {
    StepStatus.PENDING: frozenset({StepStatus.IN_PROGRESS, StepStatus.SKIPPED}),
    StepStatus.IN_PROGRESS: frozenset(
        {StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED}
    ),
    StepStatus.COMPLETED: frozenset(),
    StepStatus.FAILED: frozenset(),
    StepStatus.SKIPPED: frozenset(),
}


def allowed(table: Mapping[str, frozenset[str]], current: str, target: str) -> bool:
    return target in table.get(current, frozenset())


def sources(table: Mapping[str, frozenset[str]], target: str) -> list[str]:
    """The states from which `target` may be reached."""
    return sorted(state for state, targets in table.items() if target in targets)


def is_final(table: Mapping[str, frozenset[str]], state: str) -> bool:
    return not table.get(state)
