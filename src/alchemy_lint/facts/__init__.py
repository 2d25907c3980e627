"""Per-file facts: what one `ast` walk extracts for the rules.

Facts are frozen, picklable data; the project index merges them across files.
"""

from alchemy_lint.facts.extract import extract_facts, parse_source
from alchemy_lint.facts.model import (
    ApiCall,
    BeginBlock,
    ClassFacts,
    ContextEntry,
    FileFacts,
    FunctionFacts,
    Origin,
    OriginKind,
    RelationshipFacts,
    Scope,
    SessionMethodCall,
    SessionRef,
    YieldGuard,
)

__all__ = [
    "ApiCall",
    "BeginBlock",
    "ClassFacts",
    "ContextEntry",
    "FileFacts",
    "FunctionFacts",
    "Origin",
    "OriginKind",
    "RelationshipFacts",
    "Scope",
    "SessionMethodCall",
    "SessionRef",
    "YieldGuard",
    "extract_facts",
    "parse_source",
]
