"""The rules for the rest of the country, from outlets other than the article.

Local actors, the army's kinds and exits, capacity, the end of the regime, its measures,
restraint, allies as reported, forces after the fall. Part of the registry (``model.sim.registry.RULES``); the sources are outlets other than the
article, named with each rule.
"""

from __future__ import annotations

from model.sim.rule import Rule

COUNTRY: tuple[Rule, ...] = (
    Rule(
        "R11",
        "A local actor (the Southern Operations Room, Suwayda's Druze factions, the Syrian "
        "Free Army, the SDF, the SNA) acts once what it sees with its own eyes is enough: "
        "the regime's visible weakness, the army no longer answering at the places it "
        "could take, and the moves of the actors it watches (a documented tie or a "
        "neighbour), each with its own weights and threshold",
        "other outlets: Long War Journal (the SOR built with advisers from the HTS-led "
        "command, Dec 2024); Shafaq News; TRT World/Anadolu (SOR, 6 Dec); A News/Anadolu "
        "(Suwayda, 6 Dec); Anadolu; Al Jazeera (SFA, Palmyra, 6-7 Dec); AFP/SOHR; "
        "Kurdpress (SDF, Deir ez-Zor, 6 Dec); TRT World; Daily Sabah (SNA, Tel Rifaat, 1 Dec)",
        "Regime forces and Iran-backed groups suddenly withdrew from Deir Ezzor city and "
        "its countryside (AFP/SOHR, 6 Dec); the SDF moved in the same day (Kurdpress).",
        (
            "actors.local_actors.noise_sd",
            "actors.local_actors.threshold_sd",
            "actors.<opposition>.join_weights",
            "actors.<opposition>.join_threshold",
        ),
        (
            "model/sim/forces.py:OppositionForce.join_signal",
            "model/sim/forces.py:OppositionForce.moves",
            "model/sim/forces.py:OppositionForce._joins",
            "model/sim/combat.py:Battlefield.major_share_taken_by",
            "model/sim/combat.py:Battlefield.army_left_near",
        ),
    ),
    Rule(
        "R12",
        "Units differ in kind: elite formations tied to an insider hold longer but follow "
        "him when he leaves; conscripts and reservists give way sooner",
        "Russian Offers; other outlets: Reuters (Maher al-Assad, 4th Division); AFP (career "
        "soldiers, conscripts and reservists)",
        "the arrival of a high-ranking Syrian official in Iraq, believed to be Maher "
        "al-Assad, Bashar's brother",
        (
            "actors.units.elite_share",
            "actors.units.elite_places",
            "actors.units.elite_insider",
            "actors.units.elite_threshold_shift",
            "actors.units.conscript_share",
            "actors.units.conscript_threshold_shift",
            "actors.units.weight_insider",
        ),
        (
            "model/sim/garrison.py:unit_kinds",
            "model/sim/garrison.py:Garrison.cascade",
        ),
    ),
    Rule(
        "R13",
        "A unit that stops answering crosses abroad while a crossing from its place is "
        "open (the crossing at al-Qaim stays open under the SDF's hold on al-Bukamal), "
        "surrenders to an attacker next to it, dissolves, or holds its place",
        "other outlets: Reuters; Shafaq News; Iraqi News Agency (soldiers crossed at "
        "al-Qaim, 6-7 Dec, after the SDF entered al-Bukamal); Rudaw Arabic (surrender at Hasakah and Qamishli); SOHR; The "
        "National (uniforms abandoned)",
        "About 2,000 Syrian soldiers crossed into Iraq at al-Qaim by the end of the day "
        "(the al-Qaim mayor, via Reuters, 7 Dec).",
        (
            "actors.units.exit_cross",
            "actors.units.exit_surrender",
            "actors.units.exit_dissolve",
            "exit_routes",
        ),
        (
            "model/sim/model.py:SyriaModel._units_leave",
            "model/sim/garrison.py:Garrison.leave",
        ),
    ),
    Rule(
        "R14",
        "A patron delivers no more than its capacity, whatever it is willing to give; "
        "allied fighters and advisers leave once their position is untenable",
        "Appeals to Iraq; other outlets: Reuters; AFP (Hezbollah left al-Qusayr and Homs, "
        "7-8 Dec); New York Times (Iran's personnel evacuated, 6 Dec); WSJ (9 Dec: an "
        "Iranian aid flight turned back for fear of Israeli strikes)",
        "Hezbollah would only provide limited support near the Lebanese border.",
        (
            "actors.russia.capacity",
            "actors.iran.capacity",
            "actors.hezbollah.capacity_fighters",
            "actors.iran.support_max",
            "actors.iran.evacuation_threshold",
        ),
        (
            "model/sim/russia.py:Russia.update_support",
            "model/sim/allies.py:Iran.update_support",
            "model/sim/allies.py:Hezbollah.consider_withdrawal",
            "model/sim/allies.py:Iran.act",
        ),
    ),
    Rule(
        "R15",
        "Once the leader has gone and the capital is lost, each remaining regime place "
        "whose garrison no longer answers passes to the nearest force able to take it, "
        "after the time its column needs on the road",
        "opening; other outlets: TASS (the coast entered on 8 Dec without fighting); AFP "
        "(the army command told officers the rule was over)",
        "opposition forces enter Damascus following their swift capture of Homs, with "
        "little resistance from the Syrian Army",
        ("combat.unopposed_km_per_day", "combat.collapse_share"),
        (
            "model/sim/model.py:SyriaModel._check_end",
            "model/sim/endgame.py:Endgame.regime_end",
        ),
    ),
    Rule(
        "R16",
        "The regime takes measures to keep its army: a pay rise for career soldiers, "
        "decreed once the leader's belief falls far enough, raises their thresholds",
        "other outlets: SANA; AFP (a 50 % rise for career soldiers decreed on 4 Dec)",
        "A decree adds 50 per cent to the salaries of career military personnel (SANA, "
        "4 Dec, as reported by AFP).",
        ("actors.regime.pay_rise_threshold", "actors.units.pay_rise_effect"),
        (
            "model/sim/leadership.py:Leadership.decree_measures",
            "model/sim/garrison.py:Garrison.raise_pay",
        ),
    ),
    Rule(
        "R17",
        "A state restrains only the forces it backs, as far as it can: Turkey decides "
        "before the offensive whether to hold the northern coalition back; a ceasefire "
        "agreed at Doha binds the forces the states at the table can restrain",
        "Pleas to Turkey; Astana Process",
        "Turkey held the Assad regime responsible ... due to its refusal to engage in "
        "political processes ... Turkey rejected the idea of controlling the advancing "
        "opposition.",
        ("restraint",),
        (
            "model/sim/patrons.py:Turkey.weigh_offensive",
            "model/sim/patrons.py:Turkey.press_halt",
            "model/sim/doha.py:DohaParticipants.bind_ceasefire",
            "model/sim/doha.py:DohaParticipants.convene",
            "model/sim/forces.py:OppositionForce.halt",
        ),
    ),
    Rule(
        "R18",
        "Allied fighters act as reported: a limited Hezbollah force guards its own "
        "positions, fights no battle and leaves them once it would have to fight alone; "
        "Iran-backed Iraqi militias cross near al-Bukamal once a major city is lost and "
        "reinforce the front the opposition presses hardest",
        "Appeals to Iraq; other outlets: AFP (7 Dec: the 2,000 guarded their own "
        "positions and fought no battle); Reuters (8 Dec: all its forces withdrawn on 7 "
        "Dec); Reuters (2 Dec: at least 300 Iraqi fighters crossed near al-Bukamal)",
        "Hezbollah would only provide limited support near the Lebanese border.",
        (
            "actors.iran.militia_fighters",
            "actors.iran.militia_lag_days",
            "actors.iran.militia_entry",
            "actors.hezbollah.withdraw_at",
        ),
        (
            "model/sim/allies.py:Hezbollah.guarding",
            "model/sim/allies.py:Hezbollah._alone",
            "model/sim/allies.py:Iran._send_militias",
            "model/sim/combat.py:Battlefield._allocate_allies",
            "model/sim/combat.py:Battlefield._hardest_pressed",
        ),
    ),
    Rule(
        "R19",
        "After the regime's end, a force turns on another where the reporting has it: "
        "its column reaches the place at the unopposed pace, then fights for it",
        "other outlets: AFP/SOHR (the HTS-led command took Deir ez-Zor from the SDF on 10-11 Dec)",
        "The HTS-led command took Deir ez-Zor city from the SDF (AFP/SOHR, 10-11 Dec).",
        ("actors.<opposition>.turns_on", "combat.unopposed_km_per_day"),
        (
            "model/sim/endgame.py:Endgame.turn_on",
            "model/sim/combat.py:Battlefield._reach_of",
        ),
    ),
)
