"""Where the repository's folders are, for a test wherever its file sits (``tests/<layer>/``).

``pyproject.toml`` puts ``tests/`` on pytest's path, so a test anywhere below it imports these
as ``from repo import REPO_ROOT`` (as it imports ``faults`` and ``regression``).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"
BASELINE_PATH = SCENARIOS_DIR / "baseline.yaml"
CATALOGUE = SCENARIOS_DIR / "counterfactuals"
TEST_DATA = REPO_ROOT / "tests" / "data"
