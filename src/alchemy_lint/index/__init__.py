"""The project index: the facts of every file of a project, merged, and the questions asked of them.

`ProjectIndex` (symbols, classes and models, factories), `ValueModel` (what a value is),
`loading` (which relationships an ORM object has loaded), `policy` (the transaction policy).
"""

from alchemy_lint.index.project import FactorySite, ProjectAnalysis, ProjectIndex, RelationshipRef
from alchemy_lint.index.values import EngineRef, Evidence, Value, ValueKind, ValueModel

__all__ = [
    "EngineRef",
    "Evidence",
    "FactorySite",
    "ProjectAnalysis",
    "ProjectIndex",
    "RelationshipRef",
    "Value",
    "ValueKind",
    "ValueModel",
]
