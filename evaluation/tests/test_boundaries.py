"""evaluation never reads another domain app's tables: it asks that app's selectors (or calls its
services). CONVENTIONS: dependencies point downwards.
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1]
PROJECT = APP.parent
# Apps below evaluation that it may import freely.
ALLOWED_APPS = {"core", "accounts", "orgs", "members", "notifications", "evaluation"}


def foreign_imports(root: Path = APP):
    """(file, enclosing function, module) of each import of another domain app's models."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in ("tests", "migrations"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function, node in _imports(tree):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            for module in modules:
                app, _, rest = module.partition(".")
                if app in ALLOWED_APPS or not _is_project_app(app):
                    continue
                if rest.partition(".")[0] != "models":
                    continue
                yield str(relative), function, module


def _imports(tree, function="<module>"):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield function, node
        name = node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else function
        yield from _imports(node, name)


def _is_project_app(name: str) -> bool:
    return (PROJECT / name / "apps.py").exists()


def test_evaluation_reads_no_other_domain_apps_models():
    assert list(foreign_imports()) == []


def test_the_boundary_check_would_notice_a_second_reader(tmp_path):
    (tmp_path / "scoring.py").write_text(
        "from orglife.selectors import completion_rate\n"
        "from publicity import services\n"
        "def rate():\n"
        "    from orglife.models import Activity\n",
        encoding="utf-8",
    )
    assert list(foreign_imports(tmp_path)) == [("scoring.py", "rate", "orglife.models")]
