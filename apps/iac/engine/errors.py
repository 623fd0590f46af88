"""The engine's two domain errors (both ValueError, so callers can map them to a 400)."""


class RenderError(ValueError):
    """A graph cannot be rendered in a format: the message names the component and why."""


class TerraformImportError(ValueError):
    """Terraform source cannot be imported: the message names the file and what was wrong."""
