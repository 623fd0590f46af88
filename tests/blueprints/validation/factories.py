"""Builders for blueprint graphs: a component that passes every rule, changed per test."""

from typing import Any


def component(name: str = "web", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "type": "ec2",
        "provider": "aws",
        "region": "us-east-1",
        "properties": {"instance_type": "t3.micro"},
        "tags": {"environment": "dev", "owner": "platform", "project": "shop"},
        "depends_on": [],
    }
    data.update(overrides)
    return data


def graph(*components: dict[str, Any], relations: list[Any] | None = None) -> dict[str, Any]:
    return {"components": list(components), "relations": relations or []}
