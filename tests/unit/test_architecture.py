"""The layer rules of the design hold: checked by import-linter over the real import graph."""

from importlinter.cli import lint_imports


def test_layer_contracts_hold():
    assert lint_imports(no_cache=True, no_logo=True) == 0
