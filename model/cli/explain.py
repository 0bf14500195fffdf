"""``explain``: every rule with its parameters, their values and sources, and what a file changes."""

from __future__ import annotations

import textwrap
from pathlib import Path

from model.config.loader import load_scenario, read_yaml
from model.config.schema import OPPOSITION, PATRONS, Param, iter_params
from model.sim.rules import RULES


def _provenance(p: Param) -> str:
    bits = []
    if p.set_in:
        bits.append(f"set in {Path(p.set_in).name}")
    if p.source:
        bits.append(f"source: {p.source}")
    if p.assumption:
        bits.append(f"assumption: {p.assumption}")
    return "; ".join(bits)


def _expand(name: str) -> list[str]:
    if "<patron>" in name:
        return [name.replace("<patron>", k) for k in PATRONS]
    if "<opposition>" in name:
        return [name.replace("<opposition>", k) for k in OPPOSITION]
    return [name]


def explain(path: str) -> str:
    """Text listing every rule, its parameters with values and provenance, and the changes.

    Args:
        path: A scenario file.
    """
    sc = load_scenario(path)
    params = dict(iter_params(sc))
    wrap = textwrap.TextWrapper(width=100, initial_indent="      ", subsequent_indent="      ")
    out = [f"Scenario {sc.name}: {sc.title}"]
    if sc.rationale:
        out += wrap.wrap(sc.rationale.strip())
    out.append("")
    for rule in RULES.values():
        out.append(f"{rule.id}  {rule.title}")
        out.append(f"    article section: {rule.section}")
        out += wrap.wrap(f'"{rule.quote}"')
        for name in rule.params:
            for full in _expand(name):
                if full in params:
                    p = params[full]
                    out.append(f"    {full} = {p.value!r}")
                    out += wrap.wrap(_provenance(p))
                elif full == "actors.insiders":
                    for ins in sc.actors.insiders:
                        out.append(
                            f"    insider {ins.name} ({ins.role}): exit_threshold="
                            f"{ins.exit_threshold}, belief_update_rate={ins.belief_update_rate},"
                            f" routes={ins.routes}"
                        )
                        out += wrap.wrap(f"source: {ins.source}")
                elif full == "exit_routes":
                    for rname, er in sc.exit_routes.items():
                        out.append(f"    exit route {rname}: open while {er.requires} are held")
                        out += wrap.wrap(f"source: {er.source}")
        out.append("")
    pins = {k: v for k, v in sc.decisions.items() if v != "auto"}
    out.append("Pinned decisions: " + (", ".join(f"{k}={v}" for k, v in pins.items()) or "none"))
    for iv in sc.interventions:
        sets = ", ".join(f"{k}={v!r}" for k, v in iv.set.items())
        out.append(f"Intervention from {iv.date.isoformat()}: {sets}  {iv.note}")
    parent = read_yaml(Path(path)).get("extends")
    if isinstance(parent, str):
        from model.analysis.compare import changes

        ppath = Path(path).parent / parent
        base = load_scenario(ppath)
        diff = changes(base, sc)
        out.append("")
        out.append(f"Changes relative to {ppath} ({base.name}):")
        for c in diff:
            out.append(f"    {c['what']}: {c['base']!r} -> {c['new']!r}")
        if not diff:
            out.append("    none")
    return "\n".join(out)
