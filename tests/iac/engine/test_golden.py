"""Golden files: each format x provider the renderer supports, rendered from a representative
blueprint (compute, network, storage, a database with a password, tags, dependencies) and
compared byte for byte with tests/iac/engine/golden/<case>/<file>.

After an intended change to the output, regenerate the goldens and review the diff:

    DHARMA_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/iac/engine/test_golden.py
"""

import os
from pathlib import Path

import pytest

from apps.iac.engine import render
from tests.iac.engine.graphs import AWS_GRAPH, AZURE_GRAPH, GCP_GRAPH

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "terraform-aws": ("terraform", AWS_GRAPH),
    "terraform-azure": ("terraform", AZURE_GRAPH),
    "terraform-gcp": ("terraform", GCP_GRAPH),
    "bicep-azure": ("bicep", AZURE_GRAPH),
    "cloudformation-aws": ("cloudformation", AWS_GRAPH),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendering_matches_golden_files(case):
    format_, graph = CASES[case]
    rendered = render(graph, format=format_, blueprint="shop-front", environment="staging",
                      version="7")  # fmt: skip
    directory = GOLDEN / case
    if os.environ.get("DHARMA_UPDATE_GOLDEN"):
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            old.unlink()
        for name, content in rendered.files.items():
            (directory / name).write_bytes(content.encode())
    expected = {path.name: path.read_bytes().decode() for path in sorted(directory.iterdir())}
    assert sorted(rendered.files) == sorted(expected)
    for name, content in rendered.files.items():
        assert content == expected[name], f"{case}/{name} differs from its golden file"
