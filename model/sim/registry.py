"""The rule registry: each behavioural rule named, with its sources, parameters and code.

Sections refer to ``source-article.txt`` ("Appeals, Offers, and Betrayal", Barran Press,
December 2024): *opening* (the paragraphs before "Pleas to Turkey"), *Pleas to Turkey*,
*Appeals to Iraq*, *Astana Process*, *Russian Offers*. Each rule's ``code`` names the
functions and methods of ``model/sim`` that carry it out; ``explain`` prints the registry and
``docs/ODD.md`` describes each entry (``tests/docs/test_odd.py``).
"""

from __future__ import annotations

from model.sim.registry_country import COUNTRY
from model.sim.rule import Rule

RULES: dict[str, Rule] = {
    r.id: r
    for r in sorted(  # by number, whatever the order they are written in
        (
            Rule(
                "R1",
                "The leader appeals on what he sees happen (the offensive, a major city lost, a "
                "place in Hezbollah's reach attacked, Hezbollah's answer), each after its lag; "
                "appeals travel through channels; a patron answers by weighing alignment, cost, "
                "its conditions and the regime's viability; word that others are abandoning the "
                "regime lowers the leader's belief",
                "Pleas to Turkey; Appeals to Iraq; other outlets: Reuters (13 Dec: Assad in "
                "Moscow on 28 Nov, 'no response in the Kremlin'); Shafaq News (the al-Sudani-Assad "
                "call, 30 Nov)",
                "He reached out to Iraqi Prime Minister Mohammed Shia' al-Sudani, who has strong ties "
                "with Turkish President Recep Tayyip Erdogan ... Turkey held the Assad regime "
                "responsible ... due to its refusal to engage in political processes ... Iraq, which "
                "preferred to distance itself from external conflicts to avoid political repercussions.",
                (
                    "decision_temperature",
                    "actors.regime.russia_appeal_lag_days",
                    "actors.regime.turkey_appeal_lag_days",
                    "actors.regime.hezbollah_appeal_lag_days",
                    "actors.regime.pmf_appeal_lag_days",
                    "actors.russia.surge_support",
                    "actors.regime.political_process_before_offensive",
                    "actors.<patron>.alignment",
                    "actors.<patron>.domestic_cost",
                    "actors.<patron>.viability_weight",
                    "actors.turkey.condition_penalty",
                    "actors.<patron>.answer_lag_days",
                    "actors.iraq.relay_lag_days",
                    "actors.iraq.warning_signal",
                    "actors.iraq.pmf_fighters",
                    "actors.iraq.pmf_arrival_days",
                    "actors.iraq.pmf_entry",
                ),
                (
                    "model/sim/leadership.py:Leadership.react",
                    "model/sim/leadership.py:Leadership._appeal",
                    "model/sim/allies.py:Hezbollah.reach_threatened",
                    "model/sim/patrons.py:Patron.grants",
                    "model/sim/russia.py:Russia.answer_appeal",
                    "model/sim/patrons.py:Turkey.answer_halt_appeal",
                    "model/sim/patrons.py:Iraq.relay_to_turkey",
                    "model/sim/patrons.py:Iraq.warn_regime",
                    "model/sim/patrons.py:Iraq.answer_pmf",
                    "model/sim/rules.py:answer_probability",
                ),
            ),
            Rule(
                "R2",
                "A patron's support is limited to the places it is reported to reach; allied "
                "fighters who fight add to the defence where they are",
                "Appeals to Iraq",
                "Hezbollah would only provide limited support near the Lebanese border.",
                (
                    "actors.hezbollah.limited_fighters",
                    "actors.hezbollah.full_fighters",
                    "actors.hezbollah.limited_reach",
                    "actors.hezbollah.deploy_lag_days",
                ),
                (
                    "model/sim/allies.py:Hezbollah.answer",
                    "model/sim/allies.py:Hezbollah.deploy",
                    "model/sim/combat.py:Battlefield._allocate_allies",
                ),
            ),
            Rule(
                "R3",
                "A patron whose belief in the regime's survival falls below a threshold changes "
                "its words and its offers",
                "Astana Process; Russian Offers",
                "Discussions in Doha included plans for a transitional governing body, reinforcing "
                "Iran's belief that Assad's regime was nearing collapse. This prompted a shift in "
                "Iranian rhetoric ... Russia reportedly offered Assad protection and safe passage ... "
                "if he agreed to a transitional government.",
                (
                    "actors.<patron>.initial_belief",
                    "actors.<patron>.belief_update_rate",
                    "actors.<patron>.support_max",
                    "actors.<patron>.support_threshold",
                    "actors.<patron>.support_width",
                    "actors.iran.mediation_lag_days",
                    "actors.iran.ceasefire_threshold",
                    "actors.iran.rhetoric_threshold",
                    "actors.iran.transition_signal",
                    "actors.iran.rhetoric_signal",
                    "actors.iran.astana_convening_lag_days",
                    "actors.russia.offer_threshold",
                    "actors.russia.shift_after_decline",
                    "actors.doha_participants.initial_belief",
                    "actors.doha_participants.belief_update_rate",
                    "actors.doha_participants.transition_threshold",
                ),
                (
                    "model/sim/patrons.py:ForeignActor.observe",
                    "model/sim/russia.py:Russia.update_support",
                    "model/sim/allies.py:Iran.act",
                    "model/sim/russia.py:Russia.consider_offer",
                    "model/sim/russia.py:Russia.after_decline",
                    "model/sim/doha.py:DohaParticipants.convene",
                    "model/sim/rules.py:support_level",
                    "model/sim/rules.py:update_belief",
                ),
            ),
            Rule(
                "R4",
                "The leader's belief lags the facts; he declines an offer while he believes he can "
                "fight on; he leaves when his belief collapses or a column nears the capital, by the "
                "route best guaranteed, in secret, which breaks the chain of command; an accepted "
                "offer hands the capital to a transitional authority",
                "Russian Offers",
                "Assad declined, asserting his ability to continue fighting ... Assad's departure was "
                "sudden and kept secret, even from the head of the regime's national security.",
                (
                    "actors.regime.initial_believed_viability",
                    "actors.regime.belief_update_rate",
                    "actors.regime.viability_weight_population",
                    "actors.regime.offer_accept_threshold",
                    "actors.regime.flight_threshold",
                    "actors.regime.offer_flight_weight",
                    "actors.regime.capital_threat_threshold",
                    "actors.regime.secret_departure",
                ),
                (
                    "model/sim/leadership.py:Leadership.observe",
                    "model/sim/leadership.py:Leadership.answer_offer",
                    "model/sim/leadership.py:Leadership.consider_flight",
                    "model/sim/leadership.py:Leadership.leave",
                    "model/sim/combat.py:Battlefield.hand_over",
                    "model/sim/rules.py:below_threshold_probability",
                ),
            ),
            Rule(
                "R5",
                "Each unit decides each day whether to keep answering commands, from nearby units, "
                "the opposition's momentum, the level of patron support against its level at the "
                "start (a fall pushes, a rise holds) and the state of command",
                "opening; Russian Offers",
                "military units around Damascus became unresponsive to commands, sensing a shift in "
                "Russian support towards removing Assad ... with little resistance from the Syrian Army.",
                (
                    "actors.units.threshold_mean",
                    "actors.units.threshold_sd",
                    "actors.units.weight_nearby",
                    "actors.units.weight_momentum",
                    "actors.units.weight_patron",
                    "actors.units.weight_command",
                    "actors.units.weight_threat",
                    "actors.units.noise_sd",
                    "actors.units.patron_signal_weights",
                ),
                (
                    "model/sim/model.py:SyriaModel.cascade",
                    "model/sim/model.py:SyriaModel.patron_signal",
                    "model/sim/garrison.py:Garrison.cascade",
                    "model/sim/rules.py:unit_pressure",
                ),
            ),
            Rule(
                "R6",
                "Exit routes close as places fall to a holder that does not let the regime's "
                "people through; an insider leaves by the route reported while it is open",
                "Russian Offers; other outlets: Reuters (13 Dec: Maher al-Assad left by helicopter)",
                "the arrival of a high-ranking Syrian official in Iraq, believed to be Maher al-Assad "
                "... before opposition forces took control of the al-Bukamal border crossing.",
                ("actors.insiders", "exit_routes"),
                (
                    "model/sim/leadership.py:best_open_route",
                    "model/sim/leadership.py:Insider.consider_exit",
                    "model/sim/patrons.py:Iraq.pmf_arrive",
                ),
            ),
            Rule(
                "R7",
                "Battle at a contested place is decided by the responsive defenders, patron support "
                "present there and the attacker's strength and momentum; a place whose garrison has "
                "stopped answering is not fought for unless allied fighters hold it",
                "opening",
                "opposition forces enter Damascus following their swift capture of Homs, with little "
                "resistance from the Syrian Army ... Hama, a critical gateway to Damascus.",
                (
                    "combat.max_advance_km_per_day",
                    "combat.ratio_exponent",
                    "combat.noise_sd",
                    "combat.air_power_multiplier",
                    "combat.collapse_share",
                    "combat.present_km",
                    "actors.<opposition>.strength",
                    "actors.<opposition>.join_threshold",
                    "actors.<opposition>.scope",
                    "actors.<opposition>.present_in",
                    "actors.<opposition>.enemies",
                    "actors.<opposition>.momentum_gain",
                    "actors.<opposition>.momentum_decay",
                    "actors.<opposition>.momentum_weight",
                    "actors.<opposition>.focus",
                    "actors.<opposition>.capture_gain",
                    "actors.units.readiness",
                ),
                (
                    "model/sim/combat.py:Battlefield.battle",
                    "model/sim/combat.py:Battlefield.reach",
                    "model/sim/combat.py:Battlefield.capture",
                    "model/sim/forces.py:OppositionForce.captured",
                    "model/sim/rules.py:advance_km",
                ),
            ),
            Rule(
                "R9",
                "A force asked to halt (Turkish pressure, a ceasefire, an agreed transition) complies "
                "to the degree of its compliance and then takes no place, unopposed or not, until "
                "its halt lapses; a halt because its aim was met does not lapse",
                "Pleas to Turkey; Astana Process",
                "Assad attempted ... to persuade Turkey to intervene and halt the assault ... Iranian "
                "officials proposed a ceasefire and a dialogue between Assad and the opposition. "
                "However, Turkey rejected the idea of controlling the advancing opposition.",
                ("actors.<opposition>.halt_compliance",),
                (
                    "model/sim/forces.py:OppositionForce.halt",
                    "model/sim/forces.py:OppositionForce.update",
                ),
            ),
            Rule(
                "R10",
                "Advances take time: a force reaches a place whose garrison has stopped answering "
                "along the road, at the pace of an unopposed column",
                "opening",
                "opposition forces enter Damascus following their swift capture of Homs, with little "
                "resistance from the Syrian Army",
                ("combat.unopposed_km_per_day",),
                ("model/sim/combat.py:Battlefield.battle",),
            ),
            Rule(
                "R8",
                "After the capital falls, Russia works with the force it has the closest ties to "
                "among those holding or next to the capital to keep state institutions running, and "
                "its support to what is left of the regime ends; a force that defers to another "
                "hands the capital over when that force arrives, rather than holding it against it",
                "Russian Offers; other outlets: TRT World/AFP (caretaker government of the HTS-led "
                "command, 10 Dec); Syrian Observer (the SOR met al-Sharaa, 11 Dec)",
                "Russia is currently coordinating with southern operational command to stabilize "
                "Damascus and ensure the continued functioning of state institutions, led by Ahmad "
                "al-Auda, commander of the Eighth Brigade.",
                ("restraint", "actors.<opposition>.defers_to"),
                (
                    "model/sim/russia.py:Russia.coordinate_after_fall",
                    "model/sim/combat.py:Battlefield._reach_of",
                ),
            ),
            *COUNTRY,
        ),
        key=lambda r: int(r.id[1:]),
    )
}
