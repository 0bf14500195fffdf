"""Property-based: broken or hostile scenario files all end in one ERROR line and exit 2.

Hypothesis writes hundreds of bad files (wrong types, NaN, huge numbers, missing fields,
unknown keys and places, ``extends`` loops, deep nesting, alias bombs, Python tags, binary
junk, oversized files) and runs the CLI in-process on each. Every one must be refused with
the project's own one-line error naming the file, exit code 2, no traceback, and nothing
written. ``derandomize`` keeps the examples the same from one run to the next.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from repo import BASELINE_PATH

from model.cli.main import main
from model.config.loader import MAX_FILE_BYTES, load_scenario
from model.config.schema import iter_params

EXAMPLES_PER_KIND = 90  # x 7 kinds = 630 files
BASELINE_DATA = yaml.safe_load(BASELINE_PATH.read_text(encoding="utf-8"))
PARAM_PATHS = [p for p, _ in iter_params(load_scenario(BASELINE_PATH))]
TOP_REQUIRED = [
    "name", "title", "start_date", "horizon_days", "decision_temperature", "places", "routes",
    "exit_routes", "actors", "combat", "outcomes",
]  # fmt: skip
PLACES = list(BASELINE_DATA["places"])

# Values no parameter accepts: every number is bounded, every text names a place, every
# list holds text.
BAD_VALUES = (
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            float("-inf"),
            1e300,
            -1e300,
            10**30,
            -(10**30),
            -1,
            "junk",
            "",
            None,
            [1, 2.5],
            {"x_unknown": float("nan")},
            [[[]]],
            {"value": None},
        ]  # fmt: skip
    )
    | st.floats(min_value=2e7, allow_infinity=True)
    | st.integers(max_value=-2)
)
UNKNOWN_KEY = st.from_regex(r"x_unknown_[a-z0-9_]{0,12}", fullmatch=True)
WEIRD_TEXT = st.text(max_size=60)


def _nest(dotted: str, leaf) -> dict:
    out = leaf
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


def _override(body: dict) -> bytes:
    return (f"extends: {BASELINE_PATH}\n" + yaml.safe_dump(body, sort_keys=False)).encode()


@st.composite
def bad_parameter(draw) -> tuple[str, dict[str, bytes]]:
    path = draw(st.sampled_from(PARAM_PATHS))
    value = draw(BAD_VALUES)
    wrapped = draw(st.booleans())
    leaf = {"value": value, "assumption": "fuzz"} if wrapped else value
    return "bad-parameter", {"main.yaml": _override(_nest(path, leaf))}


@st.composite
def unknown_key(draw) -> tuple[str, dict[str, bytes]]:
    path = draw(st.sampled_from(["", "actors", "combat", "actors.units", *PARAM_PATHS]))
    key = draw(UNKNOWN_KEY)
    body = {key: draw(BAD_VALUES | WEIRD_TEXT)}
    return "unknown-key", {"main.yaml": _override(_nest(path, body) if path else body)}


@st.composite
def missing_field(draw) -> tuple[str, dict[str, bytes]]:
    data = yaml.safe_load(BASELINE_PATH.read_text(encoding="utf-8"))  # a fresh copy to cut
    if draw(st.booleans()):
        del data[draw(st.sampled_from(TOP_REQUIRED))]
    else:
        node = data
        *parents, last = draw(st.sampled_from(PARAM_PATHS)).split(".")
        for part in parents:
            node = node[part]
        del node[last]["value"]
    return "missing-field", {"main.yaml": yaml.safe_dump(data).encode()}


@st.composite
def unknown_place(draw) -> tuple[str, dict[str, bytes]]:
    place = draw(st.text(min_size=1, max_size=30).filter(lambda t: t not in PLACES))
    where = draw(st.sampled_from(["route", "capital", "reach", "pmf", "exit"]))
    if where == "route":
        body = {"routes": [{"a": place, "b": PLACES[0], "km": 10, "source": "s"}]}
    elif where == "capital":
        body = _nest("actors.regime.capital", place)
    elif where == "reach":
        body = _nest("actors.hezbollah.limited_reach", [place])
    elif where == "pmf":
        body = _nest("actors.iraq.pmf_entry", place)
    else:
        body = {"exit_routes": {"x": {"requires": [place], "destination": "d", "source": "s"}}}
    return "unknown-place", {"main.yaml": _override(body)}


@st.composite
def extends_graph(draw) -> tuple[str, dict[str, bytes]]:
    n = draw(st.integers(min_value=1, max_value=12))
    kind = draw(st.sampled_from(["loop", "chain", "missing", "odd-value"]))
    files = {}
    for i in range(n):
        nxt = f"f{i + 1}.yaml" if i + 1 < n else ("f0.yaml" if kind == "loop" else None)
        if kind == "chain" and i + 1 == n:
            nxt = str(BASELINE_PATH)
        if kind == "missing" and i + 1 == n:
            nxt = "no-such-file.yaml"
        files[f"f{i}.yaml"] = f"extends: {nxt}\ntitle: t{i}\n".encode()
    if kind == "chain" and n <= 8:  # a legal chain: break it at a random file
        files[f"f{draw(st.integers(0, n - 1))}.yaml"] += b"horizon_days: -5\n"
    if kind == "odd-value":
        odd = draw(st.sampled_from(["[a, b]", "7", "''", "/dev/zero", "/", "{x: 1}", "null", "."]))
        files["f0.yaml"] = f"extends: {odd}\n".encode()
    return f"extends-{kind}", {"main.yaml": files.pop("f0.yaml"), **files}


@st.composite
def yaml_attack(draw) -> tuple[str, dict[str, bytes]]:
    kind = draw(st.sampled_from(["bomb", "tag", "deep-list", "deep-map", "anchor"]))
    if kind == "bomb":
        levels = draw(st.integers(2, 9))
        lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for i in range(1, levels):
            lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
        text = "\n".join(lines) + f"\ntitle: *a{levels - 1}\n"
    elif kind == "tag":
        tag = draw(
            st.sampled_from(
                [
                    "!!python/object/apply:os.system ['touch pwned']",
                    "!!python/object/apply:subprocess.check_output [['id']]",
                    "!!python/name:os.system",
                    "!!python/object/new:type ['x', [], {}]",
                    "!!python/module:os",
                    "!!binary aGVsbG8=",
                    "!!set {a: null}",
                    "!custom {a: 1}",
                    "!!omap [a: 1]",
                ]
            )
        )
        field = draw(st.sampled_from(["title", "name", "horizon_days", "actors"]))
        text = f"extends: {BASELINE_PATH}\n{field}: {tag}\n"
    elif kind == "deep-list":
        depth = draw(st.integers(33, 20_000))
        text = f"extends: {BASELINE_PATH}\ntitle: " + "[" * depth + "]" * depth + "\n"
    elif kind == "deep-map":
        depth = draw(st.integers(33, 3_000))
        text = f"extends: {BASELINE_PATH}\nactors:\n  units: " + "{a: " * depth + "1" + "}" * depth
    else:
        text = f"extends: {BASELINE_PATH}\ntitle: &t x\ndescription: *t\n"
    return f"yaml-{kind}", {"main.yaml": text.encode()}


@st.composite
def junk(draw) -> tuple[str, dict[str, bytes]]:
    kind = draw(st.sampled_from(["binary", "text", "latin-1", "huge", "huge-list", "scalar"]))
    if kind == "binary":
        body = draw(st.binary(max_size=4000))
    elif kind == "text":
        body = draw(st.text(max_size=2000)).encode("utf-8", "surrogatepass")
    elif kind == "latin-1":
        body = "name: caf\u00e9\ntitle: \u00e9t\u00e9\n".encode("latin-1")
    elif kind == "huge":
        body = b"# " + b"x" * (MAX_FILE_BYTES + draw(st.integers(0, 100_000))) + b"\n"
    elif kind == "huge-list":
        n = draw(st.integers(5_001, 9_000))
        routes = "".join(f"- {{a: Idlib, b: Aleppo, km: {i + 1}, source: s}}\n" for i in range(n))
        body = f"extends: {BASELINE_PATH}\nroutes:\n".encode() + routes.encode()
    else:
        body = draw(st.sampled_from([b"", b"~", b"42", b"- 1\n- 2\n", b"'text'", b"{}"]))
    return f"junk-{kind}", {"main.yaml": body}


KIND_IDS = [
    "bad-parameter",
    "unknown-key",
    "missing-field",
    "unknown-place",
    "extends",
    "yaml",
    "junk",
]
KINDS = (
    bad_parameter(),
    unknown_key(),
    missing_field(),
    unknown_place(),
    extends_graph(),
    yaml_attack(),
    junk(),
)
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=EXAMPLES_PER_KIND,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)  # fmt: skip
@given(data=st.data())
@pytest.mark.parametrize("strategy", KINDS, ids=KIND_IDS)
def test_bad_scenario_files_are_refused_cleanly(workdir, monkeypatch, strategy, data):
    kind, files = data.draw(strategy)
    event(kind)
    case_dir = workdir / f"case{next(_counter)}"
    case_dir.mkdir()
    for name, body in files.items():
        (case_dir / name).write_bytes(body)
    monkeypatch.chdir(workdir)  # where a default results/ folder would appear
    out, err = io.StringIO(), io.StringIO()
    main_file = case_dir / "main.yaml"
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(main_file), "--runs", "1", "--workers", "1", "--quiet"])
    lines = err.getvalue().splitlines()
    assert code == 2, (kind, code, err.getvalue()[:500])
    assert len(lines) == 1, (kind, err.getvalue()[:500])
    assert lines[0].startswith(f"ERROR {case_dir}/"), (kind, lines[0][:300])
    assert out.getvalue() == ""
    assert not (workdir / "results").exists()
    assert not (case_dir / "pwned").exists() and not os.path.exists("pwned")
