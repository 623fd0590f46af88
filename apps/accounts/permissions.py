"""The permission matrix of the system roles (original-system §6).

A permission is (resource, action, scope). `manage` implies every action; a grant with a wider
scope satisfies a check for a narrower one (tenant ⊇ project ⊇ team ⊇ own). Stored in
`roles.permissions` as "resource:action:scope" strings.
"""

from apps.accounts.choices import SystemRole

RESOURCES = (
    "blueprint",
    "deployment",
    "iac",
    "governance",
    "costing",
    "policy",
    "pattern",
    "guardrail",
    "incident",
    "budget",
    "migration",
    "kpi",
    "health",
    "ai-recommendation",
    "cost-optimization",
    # Dharma's addition: the audit log (read-only: entries are never changed).
    "audit",
)
ACTIONS = ("create", "read", "update", "delete", "approve", "execute", "manage", "override")
SCOPES = ("own", "team", "project", "tenant")


def _grants(scope: str, **resources: str) -> list[str]:
    return [
        f"{resource.replace('_', '-')}:{action}:{scope}"
        for resource, actions in resources.items()
        for action in actions.split()
    ]


SYSTEM_ROLES: dict[str, dict] = {
    SystemRole.EA: {
        "name": "Enterprise Architect",
        "permissions": _grants(
            "tenant",
            blueprint="approve read",
            policy="create update delete read",
            pattern="approve manage",
            governance="manage read",
            deployment="read",
            costing="read",
        ),
    },
    SystemRole.SA: {
        "name": "Solution Architect",
        "permissions": _grants("project", blueprint="create read")
        + _grants("own", blueprint="update delete")
        + _grants(
            "project",
            ai_recommendation="read create",
            cost_optimization="read create",
            costing="read",
        )
        + _grants("tenant", pattern="read"),
    },
    SystemRole.TA: {
        "name": "Technical Architect",
        "permissions": _grants(
            "project",
            blueprint="read",
            iac="create update read",
            guardrail="override manage",
            deployment="create read",
        )
        + _grants("tenant", pattern="read"),
    },
    SystemRole.PM: {
        "name": "Project Manager",
        "permissions": _grants(
            "project",
            deployment="approve read",
            budget="manage read",
            migration="manage read",
            kpi="read",
            blueprint="read",
            costing="read",
        ),
    },
    SystemRole.SE: {
        "name": "Software Engineer",
        "permissions": _grants(
            "project",
            deployment="execute read update",
            incident="create read",
            health="read",
            blueprint="read",
            iac="read",
        )
        + _grants("own", incident="update"),
    },
    SystemRole.CONSULTANT: {
        "name": "Consultant",
        "permissions": _grants("project", blueprint="read", deployment="read", costing="read")
        + _grants("tenant", pattern="read", governance="read"),
    },
    SystemRole.ADMIN: {
        "name": "Administrator",
        # The original grants `manage` on 13 resources without naming them; the two AI-backed
        # resources are the ones it left out.
        "permissions": [
            f"{resource}:manage:tenant"
            for resource in RESOURCES
            if resource not in {"ai-recommendation", "cost-optimization", "audit"}
        ]
        # Dharma's additions: projects and their environments are managed by administrators,
        # who also read the tenant's audit log.
        + ["project:manage:tenant", "audit:read:tenant"],
    },
}
