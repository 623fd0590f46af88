"""Refusals of the deployment workflow; the API maps each to its status (409 or 400)."""

from apps.core.exceptions import Conflict, DomainError


class IllegalTransition(Conflict):
    """A state change the state machine does not allow from the state the row is in now (also
    the loser of two concurrent changes). `details` carries the current state."""

    code = "illegal_transition"


class GateRefused(Conflict):
    """A deployment gate refused: `code` names it (guardrails_refused, approval_required,
    cost_approval_required); `details` carries every gate's figures."""

    code = "gate_refused"


class ExecutionActive(Conflict):
    """The environment already has a pending or in-progress execution."""

    code = "execution_active"


class ApprovalPending(Conflict):
    """A pending approval request exists for this version and environment."""

    code = "approval_pending"


class NoPreviousDeployment(Conflict):
    code = "no_previous_deployment"


class InvalidTarget(DomainError):
    """A version and environment that do not go together (other project, deleted ...)."""

    code = "invalid_target"
