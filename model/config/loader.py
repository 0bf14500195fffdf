"""Reading scenario files: YAML with ``extends``, merged, validated, one error naming file and field.

A scenario is a YAML file. The baseline holds every parameter, each as
``{value: ..., source: "..."}`` (a named outlet) or ``{value: ..., assumption: "..."}``.
Another file says ``extends: baseline.yaml`` and overrides only what it changes; a plain
value there is recorded as set in that file. The merged result is validated by pydantic
before anything runs, and every problem is reported as one ``ScenarioError`` naming the
file and the dotted field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from model.config.checks import check_interventions, check_references, check_uncertain
from model.config.schema import Scenario
from model.errors import ScenarioError

MAX_FILE_BYTES = 256 * 1024  # a scenario is a few kB; refuse anything far larger early


MAX_EXTENDS_DEPTH = 8


YAML_SUFFIXES = (".yaml", ".yml")  # what 'extends' may name


MAX_NESTING = 32  # the schema nests 7 levels deep; far deeper input is junk or an attack


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` semantics, but aliases are refused (they are the YAML bomb vector)."""

    def compose_node(self, parent, index):  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)


_CLoader = getattr(yaml, "CSafeLoader", None)  # libyaml, where PyYAML was built with it


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` without aliases: by libyaml where it is, ten times faster.

    A text libyaml cannot read, or that holds an alias, goes to the pure-Python loader, which
    says what is wrong in the words it always has.
    """
    if _CLoader is not None:
        try:
            if not any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=_CLoader)):
                return yaml.load(text, Loader=_CLoader)  # noqa: S506 - the safe loader in C
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - SafeLoader subclass


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
        data = _load_yaml(text)
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
        merged.setdefault("replaces", base["value"])
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


def _resolve(
    path: Path, chain: tuple[Path, ...], origins: dict[str, str], calibrated: bool = True
) -> dict[str, Any]:
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
    _calibrate(data, path, calibrated)
    if parent is None:
        _mark(data, fname, "", origins)
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(fname, "extends", "must be the path of another scenario file")
    ppath = _parent_path(path, parent, fname)
    try:
        base = _resolve(ppath, (*chain, path), origins, calibrated)
    except ScenarioError as exc:
        if exc.field is not None or exc.path != str(ppath.resolve()):
            raise
        # A problem with the parent file as a whole (unreadable, not a mapping, bad YAML) is
        # reported against the 'extends' line that brought it in, naming the parent too.
        raise ScenarioError(fname, "extends", f"{parent}: {exc.message}") from None
    # What a file says about itself is not inherited: its own name, rationale, flipped decision.
    data.setdefault("name", path.stem)
    for k in ("rationale", "flips", "description"):
        if k not in data:
            base.pop(k, None)
    return _merge(base, data, fname, "", origins)


def _calibrate(data: dict[str, Any], path: Path, apply: bool = True) -> None:
    """Apply the calibration file a scenario file names (``calibration:``) to its own data."""
    from model.config.calibration import KEY, apply_calibration, read_calibration

    named = data.pop(KEY, None)
    if named is None or not apply:
        return
    if not isinstance(named, str) or not named.strip():
        raise ScenarioError(str(path), KEY, "must be the path of a calibration file")
    cpath = _parent_path(path, named, str(path), KEY)
    apply_calibration(data, read_calibration(cpath, read_yaml), str(path), cpath)


def _parent_path(path: Path, parent: str, fname: str, key: str = "extends") -> Path:
    """The file an ``extends`` (or ``calibration``: ``key``) value names, checked to exist.

    A relative path is relative to the directory of the file that names it (never to the
    current directory, so a scenario reads the same from wherever it is run). An absolute
    path is used as it is: it ties the file to one machine, but generated files (tests,
    scripts) may need it. ``~`` is expanded, as a user typing a path expects.

    Raises:
        ScenarioError: On the ``extends`` field, naming the path as written and as resolved,
            and, when a file of that name exists in a ``scenarios/`` folder of the current
            directory, the relative path that would reach it.
    """
    written = Path(parent).expanduser()
    ppath = written if written.is_absolute() else path.parent / written
    if ppath.suffix.lower() not in YAML_SUFFIXES:
        # Refused before it is opened: a file that is not a scenario is never read, so no
        # message can show what it holds.
        raise ScenarioError(
            fname, key, f"{parent}: not a YAML file; '{key}' names a YAML file "
            f"({' or '.join(YAML_SUFFIXES)})"
        )  # fmt: skip
    if ppath.is_file():
        return ppath
    if ppath.exists():
        raise ScenarioError(fname, key, f"{parent}: not a file ({ppath})")
    msg = f"{parent}: file not found ({ppath})"
    if not written.is_absolute():
        msg += f"; a relative '{key}' path is relative to the folder of the file that names it"
        hint = Path.cwd() / "scenarios" / written.name
        if hint.is_file():
            rel = os.path.relpath(hint, path.resolve().parent)
            msg += f", so from here write {key}: {Path(rel).as_posix()}"
    raise ScenarioError(fname, key, msg)


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


def load_scenario(path: str | Path, calibrated: bool = True) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The scenario file; ``extends`` paths are relative to it.
        calibrated: Set the values of the calibration files the files name (``calibrate``
            reads a scenario without them when it writes its file for the first time).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: One problem, naming the file and the field.
    """
    path = Path(path)
    origins: dict[str, str] = {}
    data = _resolve(path, (), origins, calibrated)
    top = str(path)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # pydantic adds the generic's parameter name to the location; users never wrote it
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("Param[",))))
        field = _field_of(loc)
        owner = _owner_file(field, origins, top)
        # What a file reached through 'extends' holds is not shown: only the file given,
        # which its user wrote, is quoted back (a parent is named, with the field's place).
        quote = Path(owner) == path.resolve() or owner == top
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc)
            msg = "unknown key" + (f"; valid keys: {', '.join(valid)}" if valid else "")
            if not quote:
                field = _field_of(loc[:-1]) or None
                msg = f"an unknown key{' here' if field else ' at the top level'}" + msg[11:]
        elif err["type"] == "missing":
            msg = "required field is missing"
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            if not quote:
                shown = f"a {type(got).__name__}"
            if len(shown) > 60:
                shown = shown[:57] + "..."
            msg = f"{err['msg']} (got {shown})"
        raise ScenarioError(owner, field, msg) from None
    problems = check_references(sc)
    if problems:
        field, msg = problems[0]
        raise ScenarioError(_owner_file(field, origins, top), field, msg)
    check_interventions(sc, data, lambda f: _owner_file(f, origins, top))
    check_uncertain(sc, data, lambda f: _owner_file(f, origins, top))
    return sc
