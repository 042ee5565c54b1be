"""The suite's own shape: tests share builders through tests/factories/ and the conftests, never each other."""

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def dotted(path: Path) -> str:
    """The module name of a file in the suite: tests/browser/conftest.py is tests.browser.conftest."""
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def imported(source: str, module: str) -> Iterator[str]:
    """Every module the source of `module` names in an import, relative ones resolved, at any depth in the file."""
    package = module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{node.module}" if node.module else anchor
            else:
                base = node.module or ""
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)  # `from tests import test_x`
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
            "import_module",
            "__import__",
        }:
            yield from (
                arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )


def is_test_module(name: str) -> bool:
    return name.split(".")[0] == "tests" and name.rpartition(".")[2].startswith("test_")


def imported_test_modules(source: str, module: str) -> set[str]:
    return {name for name in imported(source, module) if is_test_module(name)}


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    """A helper or fixture two test modules need goes in tests/factories/ (or a conftest), so each test module
    stands alone: run by itself, collected once, and free to change without breaking another."""
    offenders = {
        f"{path.relative_to(TESTS.parent)} imports {', '.join(sorted(found))}"
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imported_test_modules(path.read_text(), dotted(path)))
    }

    assert not offenders, "\n".join(sorted(offenders))


def test_the_check_sees_every_way_of_importing_a_test_module() -> None:
    expected = {
        "from tests.test_sealed import FIRST": {"tests.test_sealed"},
        "import tests.test_openpgp": {"tests.test_openpgp"},
        "from tests import test_outbox, smtp": {"tests.test_outbox"},
        "from .test_broadcast_progress import SETUP": {"tests.browser.test_broadcast_progress"},
        "from . import test_home_page": {"tests.browser.test_home_page"},
        "from ..test_sms import text_in": {"tests.test_sms"},
        "def later() -> None:\n    from tests.browser.test_home_page import contrast": {"tests.browser.test_home_page"},
        "importlib.import_module('tests.test_lists')": {"tests.test_lists"},
        "from tests.factories.messaging import GpgHome\nfrom tests.conftest import in_threads": set(),
        "from .conftest import Server\nimport tests.testapp.models": set(),
    }

    found = {source: imported_test_modules(source, "tests.browser.test_here") for source in expected}

    assert found == expected
