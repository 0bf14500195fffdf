"""Reading scenario files: YAML with ``extends``, merged, validated, one error naming file and field.

A scenario is a YAML file. The baseline holds every parameter, each as
``{value: ..., source: "..."}`` (a named outlet) or ``{value: ..., assumption: "..."}``.
Another file says ``extends: baseline.yaml`` and overrides only what it changes; a plain
value there is recorded as set in that file. The merged result is validated by pydantic
before anything runs, and every problem is reported as one ``ScenarioError`` naming the
file and the dotted field.
"""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from model.config.paths import set_in
from model.config.schema import OPPOSITION, PATRONS, Scenario, iter_params
from model.errors import ScenarioError

MAX_FILE_BYTES = 256 * 1024  # a scenario is a few kB; refuse anything far larger early


MAX_EXTENDS_DEPTH = 8


MAX_NESTING = 32  # the schema nests 7 levels deep; far deeper input is junk or an attack


# Parameters read once when a run starts (sizes, starting states, drawn thresholds): an
# intervention on them would silently do nothing, so it is refused.
FIXED_AT_START = (
    "horizon_days",
    "actors.units.count",
    "actors.units.nominal_total",
    "actors.units.threshold_mean",
    "actors.units.threshold_sd",
    "actors.regime.capital",
    "actors.regime.initial_believed_viability",
    "actors.*.initial_belief",
    "actors.*.initial_momentum",
    "actors.*.strength",
    "actors.doha_participants.members",
)


def _check_references(sc: Scenario) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot express per field: every name must exist."""
    problems: list[tuple[str, str]] = []
    places = sc.places

    def need_place(name: str, field: str) -> None:
        if name not in places:
            problems.append((field, f"unknown place {name!r}; valid: {', '.join(places)}"))

    for i, r in enumerate(sc.routes):
        need_place(r.a, f"routes[{i}].a")
        need_place(r.b, f"routes[{i}].b")
        if r.a == r.b:
            problems.append((f"routes[{i}]", "a route must join two different places"))
    for name, er in sc.exit_routes.items():
        for j, p in enumerate(er.requires):
            need_place(p, f"exit_routes.{name}.requires[{j}]")
    a = sc.actors
    need_place(a.regime.capital.value, "actors.regime.capital")
    if a.regime.capital.value in places and places[a.regime.capital.value].holder != "regime":
        problems.append(("actors.regime.capital", "the capital must be regime-held at the start"))
    for j, rname in enumerate(a.regime.exit_routes.value):
        if rname not in sc.exit_routes:
            problems.append(
                (
                    f"actors.regime.exit_routes[{j}]",
                    f"unknown exit route {rname!r}; valid: {', '.join(sc.exit_routes)}",
                )
            )
    for i, ins in enumerate(a.insiders):
        for j, rname in enumerate(ins.routes):
            if rname not in sc.exit_routes:
                problems.append(
                    (
                        f"actors.insiders[{i}].routes[{j}]",
                        f"unknown exit route {rname!r}; valid: {', '.join(sc.exit_routes)}",
                    )
                )
    for j, p in enumerate(a.hezbollah.limited_reach.value):
        need_place(p, f"actors.hezbollah.limited_reach[{j}]")
    need_place(a.iraq.pmf_entry.value, "actors.iraq.pmf_entry")
    for k in a.units.patron_signal_weights.value:
        if k not in PATRONS:
            problems.append(
                (
                    "actors.units.patron_signal_weights",
                    f"unknown actor {k!r}; valid: {', '.join(PATRONS)}",
                )
            )
    for k in a.russia.partner_affinity.value:
        if k not in OPPOSITION:
            problems.append(
                (
                    "actors.russia.partner_affinity",
                    f"unknown actor {k!r}; valid: {', '.join(OPPOSITION)}",
                )
            )
    if not any(p.holder == "regime" for p in places.values()):
        problems.append(("places", "the regime must hold at least one place"))
    return problems


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` semantics, but aliases are refused (they are the YAML bomb vector)."""

    def compose_node(self, parent, index):  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML file as a mapping, refusing what is too large, too deep or aliased.

    Raises:
        ScenarioError: The file is missing, unreadable or not a mapping.
    """
    if not path.exists():
        raise ScenarioError(str(path), None, "file not found")
    if not path.is_file():
        raise ScenarioError(str(path), None, "not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            str(path), None, f"file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(str(path), None, "file is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), None, f"malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise ScenarioError(str(path), None, "YAML nesting is too deep") from None
    if not isinstance(data, dict):
        raise ScenarioError(str(path), None, "a scenario file must be a mapping of keys to values")
    field = _too_deep(data)
    if field is not None:
        raise ScenarioError(
            str(path), field, f"nested more than {MAX_NESTING} levels deep; scenarios nest 7"
        )
    return data


def _too_deep(data: Any) -> str | None:
    """The dotted field where ``data`` nests deeper than ``MAX_NESTING``, if anywhere.

    Walks without recursion, so that the check itself cannot exhaust the stack; everything
    after it (merging, validation) may then recurse safely.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_NESTING:
            return where
        if isinstance(node, dict):
            items = ((f".{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            items = ((f"[{i}]", v) for i, v in enumerate(node))
        else:
            continue
        for label, v in items:
            sub = where + label if where else label.removeprefix(".")
            stack.append((v, sub, depth + 1))
    return None


def _is_param(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _merge(base: Any, over: Any, fname: str, path: str, origins: dict[str, str]) -> Any:
    """Deep-merge ``over`` onto ``base``; record which file set each overridden path."""
    if _is_param(base):
        if isinstance(over, dict) and "value" in over:
            merged = dict(over)
        elif isinstance(over, dict) and not isinstance(base["value"], dict):
            raise ScenarioError(fname, path, "a parameter override needs a 'value'")
        else:
            merged = {"value": over}
        merged.setdefault("set_in", fname)
        _mark(merged, fname, path, origins)
        return merged
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            sub = f"{path}.{k}" if path else str(k)
            # an uncertain range is replaced whole, so an inherited note never outlives its range
            replace = k not in base or path == "uncertain"
            out[k] = v if replace else _merge(base[k], v, fname, sub, origins)
            if replace:
                _mark(v, fname, sub, origins)
        return out
    _mark(over, fname, path, origins)
    return over


def _mark(node: Any, fname: str, path: str, origins: dict[str, str]) -> None:
    origins[path] = fname
    if isinstance(node, dict):
        for k, v in node.items():
            _mark(v, fname, f"{path}.{k}" if path else str(k), origins)


def _resolve(path: Path, chain: tuple[Path, ...], origins: dict[str, str]) -> dict[str, Any]:
    path = path.resolve() if path.exists() else path
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(chain[-1]), "extends", f"'extends' loop: {loop}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        # Named after the file whose 'extends' goes one level too far.
        raise ScenarioError(
            str(chain[-1]), "extends", f"more than {MAX_EXTENDS_DEPTH} levels of 'extends'"
        )
    data = read_yaml(path)
    parent = data.pop("extends", None)
    fname = str(path)
    if parent is None:
        _mark(data, fname, "", origins)
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(fname, "extends", "must be the path of another scenario file")
    ppath = path.parent / parent
    if not ppath.exists():
        raise ScenarioError(fname, "extends", f"file not found: {ppath}")
    if not ppath.is_file():
        raise ScenarioError(fname, "extends", f"not a file: {ppath}")
    base = _resolve(ppath, (*chain, path), origins)
    # What a file says about itself is not inherited: its own name, rationale, flipped decision.
    data.setdefault("name", path.stem)
    for k in ("rationale", "flips", "description"):
        if k not in data:
            base.pop(k, None)
    return _merge(base, data, fname, "", origins)


def _field_of(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _owner_file(field: str, origins: dict[str, str], default: str) -> str:
    probe = field
    while probe:
        if probe in origins:
            return origins[probe]
        if probe.endswith("]"):
            probe = probe[: probe.rindex("[")]
        else:
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
    return default


def _valid_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names valid at the parent of ``loc`` (for 'unknown key' messages)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            # Inside a dict[str, Model] the key is a free name: keep the value model.
            model = _inner_model(model)
            if model is None or not hasattr(model, "model_fields"):
                return []
            continue
        model = _inner_model(fields[part].annotation)
    return list(getattr(model, "model_fields", {}))


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The scenario file; ``extends`` paths are relative to it.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: One problem, naming the file and the field.
    """
    path = Path(path)
    origins: dict[str, str] = {}
    data = _resolve(path, (), origins)
    top = str(path)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # pydantic adds the generic's parameter name to the location; users never wrote it
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("Param[",))))
        field = _field_of(loc)
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc)
            msg = "unknown key" + (f"; valid keys: {', '.join(valid)}" if valid else "")
        elif err["type"] == "missing":
            msg = "required field is missing"
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            if len(shown) > 60:
                shown = shown[:57] + "..."
            msg = f"{err['msg']} (got {shown})"
        raise ScenarioError(_owner_file(field, origins, top), field, msg) from None
    problems = _check_references(sc)
    if problems:
        field, msg = problems[0]
        raise ScenarioError(_owner_file(field, origins, top), field, msg)
    _check_interventions(sc, data, lambda f: _owner_file(f, origins, top))
    _check_uncertain(sc, data, lambda f: _owner_file(f, origins, top))
    return sc


def _check_interventions(sc: Scenario, data: dict, owner) -> None:
    """Each intervention names an existing parameter, a valid value and a date in range."""
    if not sc.interventions:
        return
    params = dict(iter_params(sc))
    horizon = sc.horizon_days.value
    for i, iv in enumerate(sc.interventions):
        field = f"interventions[{i}]"
        day = (iv.date - sc.start_date).days
        if not 0 <= day < horizon:
            raise ScenarioError(
                owner(field), f"{field}.date", f"must fall within the {horizon}-day horizon"
            )
        for path, value in iv.set.items():
            f = f"{field}.set.{path}"
            if path not in params:
                raise ScenarioError(owner(field), f, "unknown parameter (see `explain`)")
            if any(fnmatch.fnmatchcase(path, pat) for pat in FIXED_AT_START):
                raise ScenarioError(
                    owner(field), f, "is read only when a run starts; it cannot change during one"
                )
            problem = _invalid_value(data, path, value)
            if problem:
                raise ScenarioError(owner(field), f, problem)


def _invalid_value(data: dict, path: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for parameter ``path`` (by re-validating), or None."""
    trial = copy.deepcopy(data)
    set_in(trial, f"{path}.value", value)
    try:
        Scenario.model_validate(trial)
    except ValidationError as exc:
        return exc.errors()[0]["msg"]
    return None


# Parameters that shape the run itself rather than a behaviour; exploring them is not meaningful.
FIXED_PARAMS = ("horizon_days", "actors.units.count")


def _check_uncertain(sc: Scenario, data: dict, owner) -> None:
    """Each uncertain range names a numeric parameter and lies within its allowed values."""
    params = dict(iter_params(sc))
    for path, rng in sc.uncertain.items():
        field = f"uncertain.{path}"
        where = owner(field)
        param = params.get(path)
        if param is None:
            raise ScenarioError(
                where,
                field,
                "unknown parameter; valid names are the dotted names `python -m model explain "
                "SCENARIO` prints (e.g. actors.units.threshold_mean)",
            )
        if path in FIXED_PARAMS:
            raise ScenarioError(where, field, "shapes the run itself and cannot be explored")
        value = param.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(where, field, f"not a numeric parameter (its value is {value!r})")
        if not rng.low < rng.high:
            raise ScenarioError(
                where,
                field,
                f"empty or reversed range: low ({rng.low}) must be below high ({rng.high})",
            )
        for bound in ("low", "high"):
            x = getattr(rng, bound)
            if isinstance(value, int):
                if x != int(x):
                    raise ScenarioError(where, field, f"{bound} must be a whole number (got {x})")
                x = int(x)
            problem = _invalid_value(data, path, x)
            if problem:
                raise ScenarioError(
                    where,
                    field,
                    f"{bound} ({x}) is outside the parameter's allowed values: {problem}",
                )
