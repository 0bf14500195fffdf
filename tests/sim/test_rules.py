"""The direction of each behavioural rule: the pure functions, then the model that uses them.

Probabilistic claims compare shares or medians over many seeds, with margins; no claim rests
on a single run.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.sim import rules
from model.sim.garrison import Unit
from model.sim.model import SyriaModel, simulate
from model.sim.outputs import METRICS

SEEDS = range(100)


def _events(result, actor: str, kind: str, target: str | None = None) -> list[tuple]:
    return [
        e
        for e in result.events
        if e[1] == actor and e[2] == kind and (target is None or e[3] == target)
    ]


def _grid(lo: float, hi: float, n: int = 25) -> np.ndarray:
    return np.linspace(lo, hi, n)


def _strictly_increasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) > 0))


# --------------------------------------------------------------------------- R1 answers

ANSWER_KW = dict(
    alignment=0.4,
    viability_weight=0.5,
    belief=0.6,
    domestic_cost=1.0,
    condition_penalty=1.0,
    condition_met=False,
    temperature=0.35,
)


def _answer(**kw) -> float:
    return rules.answer_probability(**{**ANSWER_KW, **kw})


def test_answer_probability_decreases_with_domestic_cost():
    p = [_answer(domestic_cost=c) for c in _grid(0.0, 3.0)]
    assert _strictly_increasing(p[::-1])
    assert all(0.0 < x < 1.0 for x in p)


def test_answer_probability_increases_with_alignment():
    p = [_answer(alignment=a) for a in _grid(-1.0, 1.0)]
    assert _strictly_increasing(p)


def test_answer_probability_increases_with_belief_in_viability():
    p = [_answer(belief=b) for b in _grid(0.0, 1.0)]
    assert _strictly_increasing(p)


def test_answer_probability_is_higher_when_condition_met():
    # Turkey: a political process meets its condition and removes the penalty.
    met = _answer(condition_met=True, condition_penalty=1.0)
    unmet = _answer(condition_met=False, condition_penalty=1.0)
    assert met > unmet + 0.1
    # The bigger the penalty, the more an unmet condition costs.
    p = [_answer(condition_penalty=c) for c in _grid(0.0, 3.0)]
    assert _strictly_increasing(p[::-1])
    # Without a penalty, the condition does not matter.
    assert _answer(condition_met=True, condition_penalty=0.0) == pytest.approx(
        _answer(condition_met=False, condition_penalty=0.0)
    )


def test_answer_probability_sharpens_as_temperature_falls():
    # Positive utility: lower temperature -> closer to 1; negative -> closer to 0.
    temps = (2.0, 1.0, 0.3, 0.1)
    good = [_answer(domestic_cost=0.0, condition_penalty=0.0, temperature=t) for t in temps]
    bad = [_answer(domestic_cost=3.0, condition_penalty=0.0, temperature=t) for t in temps]
    assert _strictly_increasing(good)
    assert _strictly_increasing(bad[::-1])


def test_political_process_meets_turkeys_condition(compiled, load_override):
    assert not SyriaModel(compiled, seed=0).turkey.condition_met()
    c = load_override({"actors": {"regime": {"political_process_before_offensive": True}}})
    assert SyriaModel(c, seed=0).turkey.condition_met()


def _iraq_pmf_answers(compiled, seeds) -> tuple[int, int]:
    """(runs in which Iraq answered the request for the PMF, runs in which it agreed)."""
    answered = agreed = 0
    for s in seeds:
        answers = _events(simulate(compiled, s), "iraq", "answer", target="regime")
        answered += bool(answers)
        agreed += any(e[5].startswith("agreed") for e in answers)
    return answered, agreed


def test_lower_domestic_cost_makes_iraq_accept_more_often(baseline, compiled, load_override):
    cost = baseline.actors.iraq.domestic_cost.value
    low = load_override({"actors": {"iraq": {"domestic_cost": max(0.0, cost - 1.5)}}})
    seeds = list(SEEDS)
    base_n, base_yes = _iraq_pmf_answers(compiled, seeds)
    low_n, low_yes = _iraq_pmf_answers(low, seeds)
    assert base_n >= 30 and low_n >= 30, (base_n, low_n)  # Iraq is asked in most runs
    base_share, low_share = base_yes / base_n, low_yes / low_n
    assert low_share > base_share + 0.2, (base_share, low_share)
    # Share of all runs, as the summary reports it, moves the same way.
    assert low_yes / len(seeds) > base_yes / len(seeds) + 0.15


# --------------------------------------------------------------------------- R5 units

PRESSURE_KW = dict(
    nearby=np.array([0.0, 0.3, 0.8]),
    threat=np.array([0.0, 1.0, 0.0]),
    momentum=0.4,
    patron_drop=0.3,
    command_broken=False,
    w_nearby=0.4,
    w_momentum=0.2,
    w_patron=0.6,
    w_command=0.6,
    w_threat=0.35,
)


def _pressure(**kw) -> np.ndarray:
    return rules.unit_pressure(**{**PRESSURE_KW, **kw})


@pytest.mark.parametrize(
    ("name", "lo", "hi"),
    [
        ("momentum", 0.0, 1.0),
        ("patron_drop", 0.0, 1.0),
        ("w_nearby", 0.1, 2.0),
        ("w_momentum", 0.0, 2.0),
        ("w_patron", 0.0, 2.0),
    ],
)
def test_unit_pressure_increases_with_each_scalar_input(name, lo, hi):
    # nearby is positive at places 1 and 2, so w_nearby raises pressure there.
    low, high = _pressure(**{name: lo}), _pressure(**{name: hi})
    assert np.all(high >= low)
    assert np.any(high > low)
    if name in ("momentum", "patron_drop", "w_momentum", "w_patron"):
        assert np.all(high > low)  # these push every place


def test_unit_pressure_increases_with_nearby_quiet_units():
    base = _pressure()
    more = _pressure(nearby=PRESSURE_KW["nearby"] + 0.1)
    assert np.all(more > base)
    # Only the place whose neighbours went quiet feels it.
    one = _pressure(nearby=PRESSURE_KW["nearby"] + np.array([0.0, 0.0, 0.1]))
    assert one[2] > base[2]
    assert one[0] == base[0] and one[1] == base[1]


def test_unit_pressure_increases_with_threat_and_its_weight():
    base = _pressure()
    threatened = _pressure(threat=np.array([1.0, 1.0, 1.0]))
    assert threatened[0] > base[0] and threatened[2] > base[2]
    assert threatened[1] == base[1]  # already threatened
    heavier = _pressure(w_threat=1.0)
    assert heavier[1] > base[1] and heavier[0] == base[0]


def test_unit_pressure_increases_when_command_breaks():
    intact = _pressure(command_broken=False)
    broken = _pressure(command_broken=True)
    assert np.all(broken > intact)
    assert np.all(_pressure(command_broken=True, w_command=1.2) > broken)
    # With no weight on command, a broken chain of command changes nothing.
    assert np.array_equal(_pressure(command_broken=True, w_command=0.0), _pressure(w_command=0.0))


def _responsive_curves(c, seeds) -> np.ndarray:
    k = METRICS.index("units_responsive_share")
    return np.array([simulate(c, s).metrics[:, k] for s in seeds])


def test_higher_threshold_mean_keeps_units_responsive_longer(baseline, compiled, load_override):
    mean = baseline.actors.units.threshold_mean.value
    high = load_override({"actors": {"units": {"threshold_mean": min(1.0, mean + 0.15)}}})
    seeds = range(40)
    base = np.median(_responsive_curves(compiled, seeds), axis=0)
    high_med = np.median(_responsive_curves(high, seeds), axis=0)
    # The day the baseline's median has clearly fallen (wherever tuning puts it).
    fallen = np.flatnonzero(base < 0.75)
    day = int(fallen[0]) if len(fallen) else len(base) - 1
    assert high_med[day] > base[day] + 0.05, (day, base[day], high_med[day])
    # Never lower on any day, and higher on average over the horizon.
    assert np.all(high_med >= base - 0.02)
    assert high_med.mean() > base.mean() + 0.05


def test_units_with_lower_thresholds_stop_answering_sooner(compiled):
    """Within a run, units below the median threshold go quiet earlier on average."""
    earlier = 0
    seeds = range(20)
    for s in seeds:
        m = SyriaModel(compiled, seed=s)
        units = list(m.agents_by_type[Unit])
        quiet_day = np.full(len(units), float(m.horizon))
        for day in range(m.horizon):
            m.step()
            for i, u in enumerate(units):
                if quiet_day[i] == m.horizon and not u.responsive:
                    quiet_day[i] = day
        theta = np.array([u.threshold for u in units])
        low = theta < np.median(theta)
        earlier += quiet_day[low].mean() < quiet_day[~low].mean()
    assert earlier / len(seeds) >= 0.8


# --------------------------------------------------------------------------- R3/R4 beliefs


def test_support_level_falls_as_belief_drops():
    beliefs = _grid(0.0, 1.0)
    s = [rules.support_level(b, 0.9, 0.4, 0.1) for b in beliefs]
    assert _strictly_increasing(s)  # i.e. decreasing as belief drops
    assert all(0.0 <= x <= 0.9 for x in s)
    assert rules.support_level(0.4, 0.9, 0.4, 0.1) == pytest.approx(0.45)
    assert rules.support_level(1.0, 0.0, 0.4, 0.1) == 0.0


def test_offer_acceptance_falls_as_believed_viability_rises():
    believed = _grid(0.0, 1.0)
    p = [rules.below_threshold_probability(b, 0.3, 0.35) for b in believed]
    assert _strictly_increasing(p[::-1])
    assert rules.below_threshold_probability(0.3, 0.3, 0.35) == pytest.approx(0.5)
    # A higher acceptance threshold makes him accept more readily.
    assert rules.below_threshold_probability(0.5, 0.6, 0.35) > rules.below_threshold_probability(
        0.5, 0.3, 0.35
    )


def test_belief_moves_part_way_toward_what_is_observed():
    assert rules.update_belief(1.0, 0.5, 0.2) == pytest.approx(0.9)
    assert rules.update_belief(0.4, 0.8, 0.5) == pytest.approx(0.6)
    assert rules.update_belief(0.7, 0.2, 0.0) == 0.7
    assert rules.update_belief(0.7, 0.2, 1.0) == pytest.approx(0.2)


# --------------------------------------------------------------------------- R7 battle


def test_advance_grows_with_attack_and_shrinks_with_defence():
    attack = [rules.advance_km(a, 1000.0, 30.0, 2.0, 0.0) for a in _grid(100.0, 10000.0)]
    defence = [rules.advance_km(1000.0, d, 30.0, 2.0, 0.0) for d in _grid(100.0, 10000.0)]
    assert _strictly_increasing(attack)
    assert _strictly_increasing(defence[::-1])
    assert rules.advance_km(0.0, 1000.0, 30.0, 2.0, 0.0) == 0.0
    assert rules.advance_km(1000.0, 0.0, 30.0, 2.0, 0.0) == pytest.approx(30.0)


# --------------------------------------------------------------------------- R2 reach


def _deployments(result) -> list[tuple[str, set[str]]]:
    """(answer given, places named) for each Hezbollah deployment in a run."""
    answers = [e[5] for e in _events(result, "hezbollah", "answer")]
    out = []
    for e in _events(result, "hezbollah", "deployment"):
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


# --------------------------------------------------------------------------- pins


def test_pinned_turkey_halt_is_always_agreed_and_halts_the_north(load_override):
    c = load_override({"decisions": {"turkey_halts_offensive": "accept"}})
    seeds = range(60)
    answered = 0
    for s in seeds:
        r = simulate(c, s)
        answers = _events(r, "turkey", "answer", target="regime")
        if not answers:
            continue
        answered += 1
        assert all(e[5].startswith("agreed") for e in answers), (s, answers)
        # R9: asked to halt, the north complies or refuses, on the day of the answer.
        asked = sorted(
            _events(r, "northern_opposition", "halt")
            + _events(r, "northern_opposition", "halt_refused")
        )
        assert asked and asked[0][0] <= answers[0][0], (s, asked)
    assert answered >= len(seeds) * 0.9


def test_pinned_turkey_refusal_is_always_refused(load_override):
    c = load_override({"decisions": {"turkey_halts_offensive": "refuse"}})
    seeds = range(40)
    answers = [e for s in seeds for e in _events(simulate(c, s), "turkey", "answer", "regime")]
    assert len(answers) >= len(seeds) * 0.9
    assert all(e[5].startswith("refused") for e in answers)


def test_pin_does_not_shift_other_random_draws(compiled, load_override):
    """Pinning a decision to what was drawn anyway leaves the run unchanged."""
    pinned = load_override({"decisions": {"hezbollah_full_commitment": "refuse"}})
    same = 0
    for s in range(40):
        a = simulate(compiled, s)
        if not any(e[5].startswith("limited") for e in _events(a, "hezbollah", "answer")):
            continue
        b = simulate(pinned, s)
        # The pinned run says whether its pin came up (model.sim.pins); nothing else differs.
        ledger = [e for e in b.events if e[1:3] == ("scenario", "pin")]
        assert [e[3] for e in ledger] == ["hezbollah_full_commitment"], s
        assert a.events == [e for e in b.events if e not in ledger], s
        np.testing.assert_array_equal(a.metrics, b.metrics)
        same += 1
    assert same >= 20


# --------------------------------------------------------------------------- R9 halts bind


def _taken_while_halted(result, force: str) -> tuple[bool, list]:
    """Whether ``force`` was ever halted, and the places it took while halted.

    The event log is in the order things happened within a day: a halt logged after the
    day's battle (Russia's partner stopping to hold the capital it just took) does not
    cover that battle.
    """
    halted, ever, taken = False, False, []
    for e in result.events:
        if e[1] != force:
            continue
        if e[2] == "halt":
            halted = ever = True
        elif e[2] == "halt_ended":
            halted = False
        elif e[2] == "holder_change" and halted:
            taken.append(e)
    return ever, taken


def test_a_halted_force_takes_no_place(load_override):
    c = load_override({"decisions": {"ceasefire_accepted": "accept"}})
    halted_runs = 0
    for s in SEEDS:
        r = simulate(c, s)
        for force in ("northern_opposition", "southern_command", "sna"):
            ever, taken = _taken_while_halted(r, force)
            halted_runs += ever
            assert not taken, (s, force, taken)
    # R17: the ceasefire binds the north (Turkey restrains it), not the southern factions.
    assert halted_runs > 0.5 * len(SEEDS)


def _ceasefire_with_compliance(load_override, compliance: float):
    """The Doha ceasefire pinned, both forces with the given halt compliance."""
    return load_override(
        {
            "decisions": {"ceasefire_accepted": "accept"},
            "actors": {
                # One mapping each: YAML aliases are refused.
                "northern_opposition": {"halt_compliance": compliance},
                "southern_command": {"halt_compliance": compliance},
            },
            # Turkey's hold on the north is made complete, so that its compliance is the
            # halt's only chance (R17).
            "restraint": {"turkey": {"northern_opposition": 1.0}},
        },
        name=f"ceasefire-{compliance:g}",
    )


def test_halts_lapse_with_the_complement_of_compliance(load_override):
    strict = _ceasefire_with_compliance(load_override, 1.0)
    loose = _ceasefire_with_compliance(load_override, 0.5)
    strict_runs = [simulate(strict, s) for s in range(40)]
    loose_runs = [simulate(loose, s) for s in range(40)]
    assert not any(_events(r, "northern_opposition", "halt_ended") for r in strict_runs)
    assert not any(_events(r, "northern_opposition", "halt_refused") for r in strict_runs)
    ended = sum(bool(_events(r, "northern_opposition", "halt_ended")) for r in loose_runs)
    refused = sum(bool(_events(r, "northern_opposition", "halt_refused")) for r in loose_runs)
    assert ended > 5 and refused > 5


# --------------------------------------------------------------------------- R10 movement


def _all_quiet_from_the_start(load_override, speed: float):
    """Every unit stops answering on day 0, so every place is reached unopposed (R10).

    Raqqa is given to the northern force, so that no garrison passes to the SDF and every
    change of hands is a force's arrival.
    """
    return load_override(
        {
            "places": {"Raqqa": {"holder": "northern_opposition"}},
            "actors": {"units": {"threshold_mean": 0.0, "threshold_sd": 0.0}},
            "combat": {"unopposed_km_per_day": speed},
            # Turkey, asked, may press the north to halt; here nothing may stop the column,
            # and no local actor acts (R11): only the north and its pace are measured.
            "decisions": {
                "turkey_halts_offensive": "refuse",
                "turkey_deescalates_for_iran": "refuse",
                "turkey_holds_back_offensive": "refuse",
            },
            # No allied fighters reinforce a place either (R18): they would have to be fought.
            "rules": {"disabled": ["R11", "R18"]},
        },
        name=f"quiet-{speed:g}",
    )


def test_no_place_is_taken_faster_than_an_unopposed_column_moves(load_override):
    # Aleppo is 60 km from Idlib and the northern force's main target: at 20 km a day the
    # column needs three days (days 0, 1, 2); at 80 km a day it arrives on day 0.
    slow = _all_quiet_from_the_start(load_override, 20.0)
    fast = _all_quiet_from_the_start(load_override, 80.0)
    aleppo = slow.index["Aleppo"]
    slow_runs = [simulate(slow, s) for s in range(30)]
    assert {int(r.fall_day[aleppo]) for r in slow_runs} == {2}
    assert {int(simulate(fast, s).fall_day[aleppo]) for s in range(30)} == {0}
    # Anywhere: no force covers more than its pace a day, so a place km away from where a
    # force began falls on day km / pace - 1 at the earliest.
    start = {slow.index["Idlib"], slow.index["Raqqa"], slow.index["Busra al-Sham"]}
    nearest = {
        j: min(km for i in start for k, km in slow.neighbours[i] if k == j)
        for i in start
        for j, _ in slow.neighbours[i]
        if j not in start
    }
    for r in slow_runs:
        for j, km in nearest.items():
            if r.fall_day[j] >= 0:
                assert (r.fall_day[j] + 1) * 20.0 >= km, (slow.names[j], r.fall_day[j], km)


# --------------------------------------------------------------------------- R4 flight apart from capture


def test_the_leader_can_leave_while_the_capital_holds(compiled):
    m = SyriaModel(compiled, seed=1)
    m.step()
    m.leadership.believed = 0.0  # his own belief collapses; no force is near the capital
    m.leadership.consider_flight()
    assert m.leadership.left_day == 0
    assert m.battlefield.holder[compiled.capital] == 0
    assert m.battlefield.capital_threat() == 0.0


def test_the_capital_can_fall_while_the_leader_stays(compiled):
    m = SyriaModel(compiled, seed=1)
    m.step()
    cap, homs = compiled.capital, compiled.index["Homs"]
    m.battlefield.holder[homs] = m.north.code  # the north next to the capital ...
    m.battlefield.lines_moved()
    km = dict(compiled.neighbours[homs])[cap]
    m.north.progress[cap] = km * 0.95  # ... its column nearly in, the guard still answering
    m.north.strength = 1e7
    m.p = __import__("copy").deepcopy(m.p)
    m.p.actors.regime.capital_threat_threshold = 1.0  # he does not read it as the end
    m.leadership.consider_flight()
    assert m.leadership.present
    m.battlefield.battle()
    assert m.battlefield.holder[cap] == m.north.code
    assert m.leadership.present  # taken with the leader still in the country


def test_an_accepted_offer_hands_the_capital_over_instead_of_a_capture(load_override):
    c = load_override({"decisions": {"leader_accepts_offer": "accept"}})
    cap = c.capital
    runs = [simulate(c, s) for s in range(40)]
    handed = [r for r in runs if r.end_state == "negotiated_transition"]
    assert len(handed) >= 36
    for r in handed:
        changes = [e for e in r.events if e[2] == "holder_change" and e[3] == c.names[cap]]
        assert changes and changes[0][1] == "transitional_authority", changes
        assert not any(e[1] in ("northern_opposition", "southern_command") for e in changes)


# --------------------------------------------------------------------------- explain's decision curves


def test_explain_curves_are_the_rules_at_the_state_the_runs_reach(baseline):
    from model.cli.explain import DECIDERS, decision_lines, decision_states, probability_at

    states = decision_states(baseline, runs=10)
    checked = 0
    for decision, who in DECIDERS.items():
        if who is None or decision == "turkey_reins_in_opposition":
            continue  # at Doha Turkey's condition may already be met by an agreed transition
        for prob, belief in states[decision]:
            assert probability_at(baseline, decision, belief) == pytest.approx(prob)
            checked += 1
    assert checked > 30
    text = "\n".join(decision_lines(baseline, runs=5))
    assert "leader_accepts_offer (regime; pin: auto): drawn in 5 runs" in text
    leader = [probability_at(baseline, "leader_accepts_offer", b) for b in _grid(0.0, 1.0)]
    assert _strictly_increasing(leader[::-1])


def test_every_documented_answer_moves_materially_with_what_its_decider_sees(baseline):
    # Issue 10 item 4: no answer is pinned near 0 or 1 by its parameters. Across belief the
    # odds of every patron's yes change at least tenfold, and it reaches 0.1 at full belief or,
    # for Turkey's, once its condition (a political process) is met: at the values calibrate
    # wrote Turkey's unmet condition weighs so much that it refuses at any belief (0.012 at
    # full belief, 0.96 with the condition met); Turkey's condition alone turns a likely no
    # into a likely yes.
    from model.cli.explain import DECIDERS, probability_at

    for decision, who in DECIDERS.items():
        if who is None:
            continue
        a, b = (probability_at(baseline, decision, x) for x in (0.25, 1.0))
        low, high = sorted((a, b))  # the leader accepts more the less he believes
        if who == "turkey":
            high = max(high, probability_at(baseline, decision, 1.0, condition=True))
        assert high > 10 * low and high >= 0.1, (decision, a, b)
    for decision in ("turkey_halts_offensive", "turkey_reins_in_opposition"):
        unmet = probability_at(baseline, decision, 0.8, condition=False)
        met = probability_at(baseline, decision, 0.8, condition=True)
        assert unmet < 0.15 < 0.5 < met, (decision, unmet, met)


# --------------------------------------------------------------------------- the registry


def _resolve(location: str):
    """The object a registry code location names (``model/sim/x.py:Class.method``)."""
    import importlib

    path, _, qualname = location.partition(":")
    assert path.startswith("model/") and path.endswith(".py") and qualname, location
    obj = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("rule", list(rules.RULES))
def test_every_rule_names_code_that_exists(rule):
    locations = rules.RULES[rule].code
    assert locations, f"{rule} names no code location"
    for loc in locations:
        obj = _resolve(loc)
        assert callable(obj) or isinstance(obj, property), loc


def test_a_code_location_that_does_not_exist_is_caught():
    with pytest.raises(AttributeError):
        _resolve("model/sim/garrison.py:Garrison.no_such_method")
    with pytest.raises(ModuleNotFoundError):
        _resolve("model/sim/agents.py:Unit")


# --------------------------------------------------------------------------- R1 appeals on events


def _first_day(result, actor: str, kind: str, target: str | None = None) -> int | None:
    return next((e[0] for e in _events(result, actor, kind, target)), None)


def test_the_appeal_to_turkey_follows_the_first_major_city_lost(compiled, load_override):
    """Issue 27 item 3: on what the leader sees (Aleppo's fall), after its lag, not his belief."""
    major = compiled.major
    early = load_override({"actors": {"regime": {"turkey_appeal_lag_days": 0}}}, name="early")
    late = load_override({"actors": {"regime": {"turkey_appeal_lag_days": 2}}}, name="late")
    for s in range(30):
        for c, lag in ((early, 0), (late, 2)):
            r = simulate(c, s)
            lost = min(int(r.fall_day[j]) for j in major if r.fall_day[j] >= 0)
            left = r.leader_exit_day
            if left >= 0 and left <= lost + lag:
                continue  # he was gone before the appeal was due
            assert _first_day(r, "regime", "appeal", "turkey") == lost + lag, (s, lag)


def test_the_appeals_fall_on_their_documented_days(compiled):
    """Moscow on 28 Nov (day 1) in every run; Turkey within a day of 30 Nov (day 3) in at least
    half (issue 27's Done when); Iraq's relay three days later."""
    runs = [simulate(compiled, s) for s in range(200)]
    assert all(_first_day(r, "regime", "appeal", "russia") == 1 for r in runs)
    turkey = [_first_day(r, "regime", "appeal", "turkey") for r in runs]
    assert np.mean([t is not None and abs(t - 3) <= 1 for t in turkey]) >= 0.5
    no_answer = np.mean([bool(_events(r, "russia", "answer")) and
                         _events(r, "russia", "answer")[0][5] == "no response" for r in runs])  # fmt: skip
    assert no_answer > 0.75
