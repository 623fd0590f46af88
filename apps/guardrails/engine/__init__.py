"""The guardrail evaluation engine: pure Python over a version's components, no ORM.

`compile_rule(spec)` turns a policy's rule JSON into a `Rule` (or raises `RuleSpecError` with the
fields that are wrong); `evaluate(components, rules, context)` returns every finding and every
check that could not be made, with the reason.
"""

from apps.guardrails.engine.evaluate import EngineResult, Finding, Skipped, evaluate
from apps.guardrails.engine.rules import RULE_KINDS, Rule, RuleSpecError, compile_rule

__all__ = [
    "RULE_KINDS",
    "EngineResult",
    "Finding",
    "Rule",
    "RuleSpecError",
    "Skipped",
    "compile_rule",
    "evaluate",
]
