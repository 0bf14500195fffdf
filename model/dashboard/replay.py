"""The replay: one run stepped day by day, with the user's seed, pinned decisions and values.

Everything the replay page shows is computed here from the running model, without solara,
so that it can be tested without a browser: the day's events with the rule and passage
each cites, the map's colours and columns, and each key parameter's provenance.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.config.paths import set_in
from model.config.runs import DEFAULT_SEED
from model.config.schema import DECISIONS, HOLDERS, Param, Scenario, iter_params
from model.sim.model import SyriaModel
from model.sim.outputs import METRICS
from model.sim.rules import RULES
from model.viz.draw import Column
from model.viz.style import HOLDER_COLOURS, HOLDER_LABELS, PATRON_COLOURS
from model.viz.svg import line_chart
from model.viz.words import name_of

PINS = ("auto", "accept", "refuse")

# Short names for the documented decisions, for the controls (the id is in the tooltip).
DECISION_LABELS = {
    "turkey_halts_offensive": "Turkey halts the offensive",
    "turkey_deescalates_for_iran": "Turkey de-escalates for Iran",
    "hezbollah_full_commitment": "Hezbollah commits fully",
    "iraq_sends_pmf": "Iraq sends the PMF",
    "turkey_reins_in_opposition": "Turkey reins in the opposition",
    "ceasefire_accepted": "Ceasefire accepted at Doha",
    "leader_accepts_offer": "Assad accepts Russia's offer",
    "turkey_holds_back_offensive": "Turkey holds the offensive back",
    "russia_raises_air_effort": "Russia raises its air effort",
}


# Passages of the source article for an event's own rule and branch, where the rule's one
# quote would misstate the event (an accepted offer is not "Assad declined"; Aleppo is not
# Homs). Keyed by (rule, kind, what the outcome starts with, or the target); "" matches any.
PASSAGES = (
    ("R4", "decision", "accepted", "Russia reportedly offered Assad protection and safe passage "
     "out of the country if he agreed to a transitional government.",
     "the article reports that he declined; accepting is this run's counterfactual"),
    ("R4", "decision", "declined", "Russia reportedly offered Assad protection and safe passage "
     "out of the country if he agreed to a transitional government. Assad declined, asserting "
     "his ability to continue fighting.", ""),
    ("R4", "holder_change", "", "Russia reportedly offered Assad protection and safe passage out "
     "of the country if he agreed to a transitional government.",
     "a hand-over by agreement follows from an accepted offer, which the article does not report"),
    ("R4", "departure", "left (negotiated", "Russia reportedly offered Assad protection and safe "
     "passage out of the country if he agreed to a transitional government.",
     "an announced departure follows from an accepted offer, which the article does not report"),
    ("R4", "", "", "According to Damascus security sources, Assad's departure was sudden and kept "
     "secret, even from the head of the regime's national security, General Kifah Malhim.", ""),
    ("R7", "holder_change", "@Damascus", "opposition forces enter Damascus following their swift "
     "capture of Homs, with little resistance from the Syrian Army.", ""),
    ("R7", "holder_change", "@Homs", "opposition forces enter Damascus following their swift "
     "capture of Homs, with little resistance from the Syrian Army.", ""),
    ("R7", "holder_change", "@Hama", "as opposition forces approached Hama, a critical gateway to "
     "Damascus.", ""),
    ("R7", "holder_change", "", "opposition forces enter Damascus following their swift capture "
     "of Homs, with little resistance from the Syrian Army.",
     "the article does not describe this place's capture; the rule rests on its account of the "
     "advance"),
)  # fmt: skip


def passage(rule: str, kind: str, target: str, outcome: str) -> tuple[str, str]:
    """The passage an event rests on, and a note when it is not what the article reports.

    Returns:
        ``(quote, note)``: the rule's own quote and no note unless a branch of ``PASSAGES``
        fits the event better.
    """
    for r, k, match, quote, note in PASSAGES:
        if r != rule or (k and k != kind):
            continue
        if match.startswith("@"):
            if target != match[1:]:
                continue
        elif match and not outcome.startswith(match):
            continue
        return quote, note
    return (RULES[rule].quote, "") if rule in RULES else ("", "")


@dataclass(frozen=True)
class KeyParam:
    """A parameter the replay lets the user change.

    Attributes:
        path: Dotted parameter name, as in ``explain``.
        label: What it is, in a few words.
        low: Smallest value offered, unless the scenario's ``uncertain`` range is wider.
        high: Largest value offered, likewise.
        step: Slider step.
    """

    path: str
    label: str
    low: float
    high: float
    step: float


# A handful across the rules: reported, calibrated and assumed values side by side.
KEY_PARAMS = (
    KeyParam("actors.russia.offer_threshold", "Russia offers below", 0.0, 1.0, 0.01),
    KeyParam("actors.russia.support_threshold", "Russian support halves at", 0.0, 1.0, 0.01),
    KeyParam("actors.regime.flight_threshold", "Leader leaves below", 0.0, 1.0, 0.01),
    KeyParam("actors.units.threshold_mean", "Units' mean threshold", 0.2, 0.95, 0.01),
    KeyParam("actors.iraq.domestic_cost", "Iraq's cost of the PMF", 0.0, 4.0, 0.05),
    KeyParam("actors.hezbollah.limited_fighters", "Hezbollah fighters", 0.0, 10000.0, 250.0),
)  # fmt: skip


def provenance(p: Param) -> str:
    """One word for where a value comes from: sourced, calibrated, assumed, or the file that set it.

    A value with a source whose note says it was calibrated counts as calibrated: the source
    gives only the direction.
    """
    if p.set_in:
        return f"set in {Path(p.set_in).name}"
    if p.assumption and "calibrated" in p.assumption.lower():
        return "calibrated"
    if p.source:
        return "sourced"
    return "assumed"


def params_of(sc: Scenario) -> dict[str, Param]:
    """Every parameter of a scenario by dotted name."""
    return dict(iter_params(sc))


def slider_range(sc: Scenario, kp: KeyParam) -> tuple[float, float]:
    """The slider's range: the offered range widened to the scenario's uncertain range and value."""
    value = float(params_of(sc)[kp.path].value)
    low, high = kp.low, kp.high
    if kp.path in sc.uncertain:
        low, high = min(low, sc.uncertain[kp.path].low), max(high, sc.uncertain[kp.path].high)
    return min(low, value), max(high, value)


def with_choices(sc: Scenario, decisions: dict[str, str], values: dict[str, float]) -> Scenario:
    """The scenario with decisions pinned and parameter values set, validated again.

    A value equal to the scenario's keeps its provenance; a changed one is marked as set in
    the dashboard, so that the page never shows a changed value as sourced.
    """
    data = sc.model_dump()
    params = params_of(sc)
    for path, x in values.items():
        old = params[path].value
        if float(x) == float(old):
            continue
        set_in(data, f"{path}.value", int(round(x)) if isinstance(old, int) else float(x))
        set_in(data, f"{path}.set_in", "dashboard")
    data["decisions"] = {**data["decisions"], **decisions}
    return Scenario.model_validate(data)


def parse_seed(text: Any) -> tuple[int, str]:
    """The seed a user typed, or the default with a note saying why it was not used."""
    try:
        seed = int(str(text).strip())
    except ValueError:
        return DEFAULT_SEED, f"seed {text!r} is not a whole number; using {DEFAULT_SEED}"
    if not 0 <= seed < 2**63:
        return DEFAULT_SEED, f"seed {seed} is outside 0 .. 2**63-1; using {DEFAULT_SEED}"
    return seed, ""


# The curves, panel by panel: (title, {legend label: (metric, colour)}).
CURVE_PANELS = (
    ("Regime-held population (share)",
     {"regime-held population": ("regime_population_share", "#c0392b")}),
    ("Regime units answering commands (share)",
     {"units answering": ("units_responsive_share", "#34495e")}),
    ("Patron support (0 none, 1 full)",
     {**{p.capitalize(): (f"support_{p}", c) for p, c in PATRON_COLOURS.items()},
      "Turkey": ("support_turkey", "#7f8c8d")}),
    ("The regime's viability: believed by the leader vs actual",
     {"believed": ("regime_believed_viability", "#8e44ad"),
      "actual": ("regime_actual_viability", "#2c3e50")}),
)  # fmt: skip


class ReplayModel(SyriaModel):
    """One run of a scenario that stops at the horizon, built from the page's controls.

    Mesa's SolaraViz creates the model again with these keyword arguments when Reset is
    pressed: the seed as typed, each decision's pin by its name in ``DECISIONS``, and each
    key parameter's value by its dotted name.

    The page passes ``choices``: the one dict its controls write into, read here when
    Reset builds the model, so what a run was built with (``applied``) can be compared with
    the controls to mark a change as waiting for Reset.

    Args:
        scenario: The scenario chosen on the command line.
        seed: The run's seed (text or number).
        choices: The page's controls: ``seed`` and any decision or key parameter; they take
            the place of ``seed`` and ``kwargs``.
        **kwargs: Decision name -> ``auto``/``accept``/``refuse``; parameter -> value. (Mesa
            checks the model's signature and accepts extra inputs only as ``**kwargs``.)
    """

    def __init__(self, scenario: Scenario, seed: Any = DEFAULT_SEED,
                 choices: dict | None = None, **kwargs: Any):  # fmt: skip
        if choices is not None:
            kwargs = {k: v for k, v in choices.items() if k != "seed"}
            seed = choices.get("seed", seed)
        self.applied = {"seed": str(seed), **kwargs}
        decisions = {k: str(v) for k, v in kwargs.items() if k in DECISIONS}
        values = {k: float(v) for k, v in kwargs.items() if k not in DECISIONS}
        unknown = set(values) - {kp.path for kp in KEY_PARAMS}
        if unknown:
            raise ValueError(f"not a decision or key parameter: {', '.join(sorted(unknown))}")
        # A slider snaps the scenario's value to its step (0.465 -> 0.47): that is not a
        # change, so a value within half a step of the scenario's keeps the scenario's.
        ps, steps = params_of(scenario), {kp.path: kp.step for kp in KEY_PARAMS}
        values = {k: (float(ps[k].value) if abs(v - float(ps[k].value)) <= steps[k] / 2 + 1e-9
                      else v) for k, v in values.items() if k in steps} | {
                  k: v for k, v in values.items() if k not in steps}  # fmt: skip
        seed_value, self.seed_note = parse_seed(seed)
        self.scenario = with_choices(scenario, decisions, values)
        super().__init__(self.scenario, seed=seed_value)

    def step(self) -> None:
        """One day; the run stops at the horizon (Mesa's controls read ``running``)."""
        if self.day >= self.horizon:  # Mesa counted a step past the horizon: undo it
            self.steps -= 1
            self.running = False
            return
        super().step()
        self.running = self.day < self.horizon - 1


def initial_choices(sc: Scenario) -> dict[str, Any]:
    """What the page's controls start at: the default seed, the scenario's pins and values."""
    ps = params_of(sc)
    return {
        "seed": str(DEFAULT_SEED),
        **{name: sc.decisions.get(name, "auto") for name in DECISIONS},
        **{kp.path: float(ps[kp.path].value) for kp in KEY_PARAMS},
    }


def pending(choices: dict[str, Any], model: ReplayModel) -> list[str]:
    """The controls changed since the run was built (they apply on Reset), by label."""
    labels = {**DECISION_LABELS, **{kp.path: kp.label for kp in KEY_PARAMS}, "seed": "seed"}
    built = {**initial_choices(model.c.scenario), **model.applied}
    out = []
    steps = {kp.path: kp.step for kp in KEY_PARAMS}
    for key, value in choices.items():
        old = built.get(key)
        if key == "seed":
            same = str(value).strip() == str(old).strip()
        elif key in DECISIONS:
            same = value == old
        else:  # a slider snaps to its step: within half a step is the same value
            same = abs(float(value) - float(old)) <= steps.get(key, 0.0) / 2 + 1e-9
        if not same:
            out.append(labels.get(key, key))
    return out


def event_rows(model: SyriaModel, day: int | None = None) -> list[dict[str, str]]:
    """The event log (or one day's events) as rows: who, what, to whom, the answer, the rule.

    Every id is given in words; the ids themselves are kept (``ids``) for a tooltip.

    Args:
        model: The running model.
        day: Only this day's events; None for every event so far.
    """
    rows = []
    for d, actor, kind, target, channel, outcome, rule in model.events:
        if day is not None and d != day:
            continue
        r = RULES.get(rule)
        rows.append(
            {
                "date": model.date(d).strftime("%-d %b"),
                "actor": name_of(actor),
                "kind": name_of(kind),
                "target": name_of(target),
                "channel": name_of(channel),
                "outcome": outcome,
                "rule": rule,
                "section": r.section if r else "scenario file (scheduled change)",
                "title": r.title if r else "",
                "ids": " / ".join(x for x in (actor, kind, target, channel) if x),
                "raw": (actor, kind, target, outcome),
            }
        )
    return rows


def rules_cited(model: SyriaModel, day: int) -> list[tuple[str, str, str, str]]:
    """The passages the day's events rest on: (rule id, article section, passage, note).

    Each event cites the passage for its own rule and branch (``passage``); one passage
    cited by several events of the day is shown once.
    """
    out: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for d, _actor, kind, target, _channel, outcome, rule in model.events:
        if d != day or rule not in RULES:
            continue
        quote, note = passage(rule, kind, target, outcome)
        out.setdefault((rule, quote), (rule, RULES[rule].section, quote, note))
    return sorted(out.values(), key=lambda x: int(x[0][1:]))


def map_state(model: SyriaModel) -> dict[str, Any]:
    """What the map draws today: holder colours, labels, quiet garrisons, attacking columns."""
    c, bf, g = model.c, model.battlefield, model.garrison
    sc = c.scenario
    places = {n: {"lat": p.lat, "lon": p.lon, "population": p.population}
              for n, p in sc.places.items()}  # fmt: skip
    holders = bf.holder.tolist()
    colours = [HOLDER_COLOURS[HOLDERS[h]] for h in holders]
    labels, faded = [], []
    g0 = g.garrison0_list
    for i, name in enumerate(c.names):
        text = name
        if g0[i] > 0 and holders[i] == 0:
            # Troops, not a share: units falling back from lost places can push a garrison
            # above what it started with.
            k = g.answering[i] / 1000
            if k < 0.05:  # "0.0k troops" said nothing a reader could use
                text += "\nno troops answering"
            else:
                text += f"\n{k:.0f}k troops" if k >= 10 else f"\n{k:.1f}k troops"
            faded.append(g.answering[i] / g0[i] < model.p.combat.collapse_share)
        else:
            faded.append(False)
        allied = bf.allied_at.get(i, 0.0) if holders[i] == 0 else 0.0
        if allied:
            text += f"\n+{allied:,.0f} allied"
        labels.append(text)
    columns = []
    for f in model.forces:
        for j, covered in enumerate(f.progress):
            if covered <= 0 or holders[j] != 0:
                continue
            # The column comes from the nearest place the force holds next to its target.
            near = [(km, i) for i, km in c.neighbours[j] if holders[i] == f.code]
            if not near:
                continue
            km, i = min(near)
            a, b = places[c.names[i]], places[c.names[j]]
            columns.append(Column((a["lon"], a["lat"]), (b["lon"], b["lat"]), covered / km,
                                  HOLDER_COLOURS[f.key]))  # fmt: skip
    routes = [(r.a, r.b) for r in sc.routes]
    return {"places": places, "routes": routes, "colours": colours, "labels": labels,
            "faded": faded, "columns": columns}  # fmt: skip


def curves_svg(model: SyriaModel) -> list[str]:
    """The run's curves so far, one SVG chart per panel of ``CURVE_PANELS``."""
    index = {name: k for k, name in enumerate(METRICS)}
    today = min(model.day, model.horizon - 1)
    return [
        line_chart(
            title,
            [
                (label, colour, model.metrics[:, index[metric]])
                for label, (metric, colour) in series.items()
            ],
            model.p.start_date,
            model.horizon,
            today,
        )  # fmt: skip
        for title, series in CURVE_PANELS
    ]


def holder_legend() -> list[tuple[str, str]]:
    """(label, colour) of each holder, for a legend outside the figure."""
    return [(HOLDER_LABELS[h], HOLDER_COLOURS[h]) for h in HOLDERS]


def status_line(model: SyriaModel) -> str:
    """One line on where the run stands: the day (1 = the start date), the capital, the leader.

    Days are counted from 1, so that the day shown equals the number of steps taken (Mesa's
    Information box); the last day says that the replay has ended.
    """
    cap = model.c.names[model.c.capital]
    holder = HOLDERS[int(model.battlefield.holder[model.c.capital])]
    held = f"{cap} is held by the {HOLDER_LABELS[holder]}"
    if model.day < 0:
        return (f"{model.p.start_date:%a %-d %b %Y}, before the first day: {held}; the leader "
                "is in the country. Press Step or Play.")  # fmt: skip
    leader = (
        "the leader is in the country"
        if model.leadership.present
        else f"the leader left on {model.date(model.leadership.left_day):%-d %b}"
    )
    line = (f"Day {model.day + 1} of {model.horizon}: {model.date(model.day):%a %-d %b %Y}. "
            f"{held}; {leader}.")  # fmt: skip
    if model.day >= model.horizon - 1:
        line += " End of the replay (the horizon): press Reset to run again."
    return line


def rows_html(rows: list[dict[str, str]], test_id: str, empty: str) -> str:
    """An HTML table of event rows (escaped): names in the cells, ids and the rule's title in tooltips."""
    if not rows:
        return f'<p data-testid="{test_id}" class="empty">{html.escape(empty)}</p>'
    head = (
        "date",
        "who",
        "what",
        "to / about",
        "via",
        "answer or outcome",
        "rule",
        "article section",
    )
    out = [f'<table data-testid="{test_id}" class="events"><thead><tr>']
    out += [f"<th>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        ids = html.escape(f"log ids: {r.get('ids', '')}")
        out.append(f'<tr title="{ids}"><td class="date">{html.escape(r["date"])}</td>')
        cells = [r["actor"], r["kind"], r["target"], r["channel"], r["outcome"]]
        out.append("".join(f"<td>{html.escape(str(x))}</td>" for x in cells))
        out.append(f'<td title="{html.escape(r["title"])}"><b>{html.escape(r["rule"])}</b></td>')
        out.append(f"<td>{html.escape(r['section'])}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)
