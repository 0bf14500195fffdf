"""Shared fixtures: the baseline scenario, override files in tmp_path, a CLI runner, a compare
folder per module, and the fault tests' uninterrupted yardstick."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from repo import BASELINE_PATH, CATALOGUE

matplotlib.use("Agg")  # never open a window, even if a test draws a plot

import pytest  # noqa: E402
import yaml  # noqa: E402

from model.cli.main import main  # noqa: E402
from model.config.loader import load_scenario  # noqa: E402
from model.config.schema import Scenario  # noqa: E402
from model.sim.compiled import Compiled, compile_scenario  # noqa: E402


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    """Absolute path of scenarios/baseline.yaml."""
    return BASELINE_PATH


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The validated baseline scenario."""
    return load_scenario(BASELINE_PATH)


@pytest.fixture(scope="session")
def compiled(baseline: Scenario) -> Compiled:
    """The baseline, compiled once for the session."""
    return compile_scenario(baseline)


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A folder for scenario files, kept apart from where results would be written."""
    d = tmp_path / "scen"
    d.mkdir()
    return d


@pytest.fixture
def bare_scenario(tmp_path: Path, baseline_path: Path) -> Path:
    """The baseline without its ``uncertain:`` ranges (nor the calibration that needs them)."""
    bare = yaml.safe_load(baseline_path.read_text(encoding="utf-8"))
    del bare["uncertain"]
    bare.pop("calibration", None)
    path = tmp_path / "bare.yaml"
    path.write_text(yaml.safe_dump(bare), encoding="utf-8")
    return path


@pytest.fixture
def make_scenario(scenario_dir: Path) -> Callable[..., Path]:
    """Write a scenario file and return its path.

    ``make_scenario({"actors": {"iraq": {"domestic_cost": 0.3}}})`` writes a file that
    ``extends:`` the baseline by absolute path and overrides those values. ``raw`` adds YAML
    text verbatim (for inputs ``yaml.safe_dump`` cannot produce: aliases, tags, bad syntax);
    ``extends=None`` leaves the ``extends`` line out.
    """

    def _make(
        overrides: dict | None = None,
        *,
        name: str = "override",
        raw: str | None = None,
        extends: Path | str | None = BASELINE_PATH,
    ) -> Path:
        parts = []
        if extends is not None:
            parts.append(f"extends: {json.dumps(str(extends))}\n")
        if overrides:
            parts.append(yaml.safe_dump(overrides, sort_keys=False))
        if raw:
            parts.append(textwrap.dedent(raw).lstrip("\n"))
        path = scenario_dir / f"{name}.yaml"
        path.write_text("".join(parts), encoding="utf-8")
        return path

    return _make


@pytest.fixture
def load_override(make_scenario: Callable[..., Path]) -> Callable[..., Compiled]:
    """Write an override file, load and compile it."""

    def _load(overrides: dict, name: str = "override") -> Compiled:
        return compile_scenario(load_scenario(make_scenario(overrides, name=name)))

    return _load


@dataclass
class CliResult:
    """Exit code and captured output of one ``model.cli.main`` call."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Callable[..., CliResult]:
    """Run ``model.cli.main([...])`` from tmp_path (so results/ lands there)."""
    monkeypatch.chdir(tmp_path)

    def _run(*args: str | Path) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return _run


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The fault tests' yardstick: uninterrupted serial runs of the baseline, by size and format."""
    from faults import make_reference

    return make_reference(tmp_path_factory)


@pytest.fixture(scope="module")
def comparison(request, tmp_path_factory, baseline_path) -> Path:
    """A ``compare`` folder of the baseline and the test module's ``COMPARED`` counterfactuals
    (names in scenarios/counterfactuals/), ``RUNS`` runs each, written once per module."""
    root = tmp_path_factory.mktemp("compare")
    out = root / "cmp"
    files = [str(CATALOGUE / f"{name}.yaml") for name in request.module.COMPARED]
    runs = str(request.module.RUNS)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        code = main(["compare", str(baseline_path), *files, "--runs", runs, "--workers", "1",
                     "--quiet", "--out", str(out)])  # fmt: skip
    assert code == 0
    return out
