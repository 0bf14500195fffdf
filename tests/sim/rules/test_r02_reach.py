"""R2: a patron's support only where it is reported to reach."""

from __future__ import annotations

from sim_helpers import events_of

from model.sim.model import simulate


def _deployments(result) -> list[tuple[str, set[str]]]:
    """(answer given, places named) for each Hezbollah deployment in a run."""
    answers = [e[5] for e in events_of(result, "hezbollah", "answer")]
    out = []
    for e in events_of(result, "hezbollah", "deployment"):
        places = {p.strip() for p in e[4].split(",")}
        out.append((answers[-1] if answers else "", places))
    return out


def test_limited_hezbollah_deployment_names_only_homs_and_qusayr(baseline, compiled):
    reach = set(baseline.actors.hezbollah.limited_reach.value)
    assert reach == {"Homs", "al-Qusayr"}
    deployments = full = 0
    seeds = range(60)
    for s in seeds:
        for answer, places in _deployments(simulate(compiled, s)):
            deployments += 1
            if answer.startswith("limited"):
                assert places == reach, (s, places)
            else:
                assert answer == "full commitment", (s, answer)
                full += 1
    assert deployments >= len(seeds) * 0.8
    # Full commitment is the counterfactual: in the baseline it is the rare exception.
    assert full / deployments < 0.25


def test_hezbollah_deployments_stay_in_reach_when_full_commitment_refused(load_override):
    c = load_override({"decisions": {"hezbollah_full_commitment": "refuse"}})
    seeds = range(40)
    named = []
    for s in seeds:
        for _, places in _deployments(simulate(c, s)):
            named.append(places)
    assert len(named) >= len(seeds) * 0.8
    assert all(p == {"Homs", "al-Qusayr"} for p in named)
