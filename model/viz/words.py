"""The event log's ids in words (actors, kinds of event, channels), for every picture and page."""

from __future__ import annotations

# What the event log's ids mean, for a reader: actors, kinds of event, channels.
NAMES = {
    "regime": "regime",
    "northern_opposition": "northern opposition",
    "southern_command": "southern operational command",
    "sdf": "SDF",
    "transitional_authority": "transitional authority",
    "druze_factions": "Druze factions",
    "syrian_free_army": "Syrian Free Army",
    "sna": "SNA",
    "doha_participants": "Doha participants",
    "hezbollah": "Hezbollah",
    "iran": "Iran",
    "iraq": "Iraq",
    "russia": "Russia",
    "turkey": "Turkey",
    "units": "army units",
    "scenario": "scenario file",
    # kinds
    "holder_change": "changes hands",
    "halt_ended": "halt ends",
    "halt_refused": "halt refused",
    "not_informed": "not informed",
    "support_shift": "support shifts",
    "unresponsive": "stops answering",
    "halt_not_binding": "halt not binding",
    "stance": "takes a stance",
    "measure": "decrees a measure",
    "end": "regime's end",
    "turns_on": "turns on",
    # channels
    "ankara": "in Ankara",
    "doha": "at Doha",
    "direct": "directly",
    "hmeymim_air": "by air from Hmeymim",
    "iraq_via_bukamal": "to Iraq via al-Bukamal",
    "lebanon_road": "by the road to Lebanon",
    "iraq_by_air": "to Iraq by air",
    "moscow": "in Moscow",
}

# The log's ids a reader must never see as they are (the ones with an underscore): pictures,
# pages and the dashboard give them in words; its tests look for these.
RAW_IDS = tuple(k for k in NAMES if "_" in k)


def name_of(word: str) -> str:
    """A log id in words (``northern_opposition`` -> northern opposition); other text as is."""
    return NAMES.get(word, word.replace("_", " ") if "_" in word else word)
