"""CloudFormation YAML: a safe loader that understands the short intrinsic-function tags
(`!Ref`, `!GetAtt`, `!Sub`, `!Join` ...), turning them into their long forms
(`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`), as CloudFormation itself does."""

from typing import Any

import yaml

SHORT_TAGS = (
    "And", "Base64", "Cidr", "Condition", "Equals", "FindInMap", "GetAtt", "GetAZs",
    "ImportValue", "If", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform", "ToJsonString",
    "Length",
)  # fmt: skip


class CfnLoader(yaml.SafeLoader):
    pass


def _construct(tag: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag}": value}

    return construct


CfnLoader.add_constructor("!Ref", _construct("Ref"))
for _tag in SHORT_TAGS:
    CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load(text: str) -> Any:
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass
