"""Scenario-file mistakes a new user makes, each refused with a message that says what to write.

The documentation's own ``extends`` examples (README.md, docs/scenarios.md) are loaded from
where it says to save them, so an example that stops working fails here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from repo import REPO_ROOT

from model.config.loader import load_scenario
from model.errors import ScenarioError

PAGES = (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "scenarios.md")


@pytest.mark.parametrize("word", ["yes", "no", "true", "off"])
def test_yes_or_no_decision_says_to_write_accept_refuse_or_auto(make_scenario, word):
    path = make_scenario(raw=f"decisions:\n  leader_accepts_offer: {word}\n", name="yesno")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.path).name == "yesno.yaml"
    assert err.field == "decisions.leader_accepts_offer"
    assert "write accept, refuse or auto" in err.message, err.message


def test_quoted_accept_is_still_read(make_scenario):
    path = make_scenario(raw='decisions:\n  leader_accepts_offer: "accept"\n', name="ok")
    assert load_scenario(path).decisions["leader_accepts_offer"] == "accept"


def _readme_yaml_blocks_with_extends() -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in PAGES)
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if re.search(r"^extends:", b, flags=re.M)]


def test_readme_extends_examples_load_from_the_project_root(tmp_path, monkeypatch):
    """Every README block with ``extends`` works saved in the project root, as it says."""
    blocks = _readme_yaml_blocks_with_extends()
    assert len(blocks) >= 2, "the README's extends examples were not found"
    shutil.copytree(REPO_ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme_example_{i}.yaml"
        path.write_text(block, encoding="utf-8")
        sc = load_scenario(path)
        assert sc.places, block


def test_extends_beside_the_wrong_folder_suggests_the_path(tmp_path, monkeypatch):
    shutil.copytree(REPO_ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mine.yaml"
    path.write_text("extends: baseline.yaml\ntitle: mine\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.path).name == "mine.yaml" and err.field == "extends"
    assert "relative to the folder of the file" in err.message
    assert "extends: scenarios/baseline.yaml" in err.message


def test_extends_an_absolute_path_is_used_as_is(make_scenario, baseline_path):
    path = make_scenario({"title": "abs"}, extends=baseline_path.resolve(), name="absolute")
    assert load_scenario(path).title == "abs"


def test_extends_a_missing_absolute_path_names_the_field(make_scenario, tmp_path):
    missing = tmp_path / "nowhere" / "base.yaml"
    path = make_scenario({"title": "x"}, extends=missing, name="abs_missing")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.path).name == "abs_missing.yaml" and err.field == "extends"
    assert str(missing) in err.message and "not found" in err.message
    assert "relative to the folder" not in err.message


def test_a_broken_parent_is_reported_on_the_extends_line(make_scenario, scenario_dir):
    (scenario_dir / "parent.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    path = make_scenario({"title": "child"}, extends="parent.yaml", name="child")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.path).name == "child.yaml" and err.field == "extends"
    assert "parent.yaml" in err.message and "mapping" in err.message


def test_extends_names_yaml_files_only_and_never_shows_what_a_parent_holds(
    make_scenario, scenario_dir, baseline_path
):
    # /etc/shadow (or any file that is not a scenario) is refused before it is opened.
    secret = scenario_dir / "secret.txt"
    secret.write_text("root:$6$hunter2:20228:0:99999:7:::\n", encoding="utf-8")
    for target in (secret, "/etc/shadow"):
        path = make_scenario({"title": "x"}, extends=target, name="reads")
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert info.value.field == "extends" and "not a YAML file" in info.value.message
        assert "hunter2" not in str(info.value) and "20228" not in str(info.value)
    # A YAML parent's keys and values are not quoted back either; the file is named.
    (scenario_dir / "parent.yaml").write_text(
        f"extends: {baseline_path}\nhunter2_key: 1\n", encoding="utf-8"
    )
    (scenario_dir / "parent2.yaml").write_text(
        f"extends: {baseline_path}\nhorizon_days: {{value: hunter2}}\n", encoding="utf-8"
    )
    for parent in ("parent.yaml", "parent2.yaml"):
        path = make_scenario({"title": "child"}, extends=parent, name="child")
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert Path(info.value.path).name == parent and "hunter2" not in str(info.value)
    # The file given is quoted as before: its user wrote it.
    own = make_scenario({"horizon_days": {"value": "hunter2"}}, name="own")
    with pytest.raises(ScenarioError, match="hunter2"):
        load_scenario(own)
