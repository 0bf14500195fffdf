"""R10: advances take time; a column reaches a place at the pace of an unopposed column."""

from __future__ import annotations

from model.sim.model import simulate


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
