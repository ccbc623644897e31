import ast
from pathlib import Path

SPOR = Path(__file__).resolve().parent.parent


def imported_apps(app: str) -> set[str]:
    """The spor apps that the code of `app` (tests aside) imports."""
    found = set()
    for path in (SPOR / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found |= {n.split(".")[1] for n in names if n.startswith("spor.") and "." in n}
    return found - {app}


def test_clients_and_treatment_do_not_import_the_fit_measures():
    for app in ("clients", "treatment"):
        assert "measures" not in imported_apps(app), app
