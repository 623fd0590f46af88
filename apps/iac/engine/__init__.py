"""IaC engine (pure, no ORM): blueprint graphs rendered to Terraform, Bicep and CloudFormation,
generated files validated, and existing Terraform imported into a blueprint graph.

Public interface:

- `render(graph, format=, blueprint=, environment=, version=)` -> `Rendered`
- `validate(format, files, graph=None)` -> list of `Problem`
- `import_terraform(files)` -> `(graph, warnings)`
- `content_hash(files)` -> sha256 hex over the sorted (name, content) pairs
"""

from apps.iac.engine.errors import RenderError, TerraformImportError
from apps.iac.engine.hashing import content_hash
from apps.iac.engine.importer import import_terraform
from apps.iac.engine.rendering import FORMATS, Rendered, render
from apps.iac.engine.validators import Problem, validate

__all__ = [
    "FORMATS",
    "Problem",
    "RenderError",
    "Rendered",
    "TerraformImportError",
    "content_hash",
    "import_terraform",
    "render",
    "validate",
]
