"""Per-file facts: what one `ast` walk extracts for the rules.

Facts are frozen, picklable data; the project index merges them across files.
"""

from alchemy_lint.facts.extract import extract_facts, parse_source
from alchemy_lint.facts.model import (
    ApiCall,
    AttributeFacts,
    ClassFacts,
    ContextBlock,
    FileFacts,
    FunctionFacts,
    MethodCall,
    RelationshipFacts,
    Scope,
    TypeAlias,
    YieldGuard,
)
from alchemy_lint.facts.values import Held, Origin, OriginKind, Reach, ReachKind, Step, StepKind, ValueRef

__all__ = [
    "ApiCall",
    "AttributeFacts",
    "ClassFacts",
    "ContextBlock",
    "FileFacts",
    "FunctionFacts",
    "Held",
    "MethodCall",
    "Origin",
    "OriginKind",
    "Reach",
    "ReachKind",
    "RelationshipFacts",
    "Scope",
    "Step",
    "StepKind",
    "TypeAlias",
    "ValueRef",
    "YieldGuard",
    "extract_facts",
    "parse_source",
]
