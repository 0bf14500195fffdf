"""The ablation figure: what switching each rule off does to the outcomes and to the fit."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.viz import style  # noqa: F401  (sets the file-only backend)


def plot_ablation(
    table: pd.DataFrame, fit: pd.DataFrame, capital: str, subtitle: str, folder: Path
) -> Path:
    """Paired change in days the capital is held, end states, and fit, per rule switched off."""
    base = table.scenario.iloc[0]
    held = table[(table.measure == f"{capital}_days_held") & (table.scenario != base)]
    names = list(held.scenario)
    y = np.arange(len(names))[::-1]
    fig, axes = plt.subplots(1, 3, figsize=(15, 0.45 * len(names) + 2.5), sharey=True)
    ax = axes[0]
    err = np.vstack([held["diff"] - held["diff_low"], held["diff_high"] - held["diff"]])
    ax.errorbar(held["diff"], y, xerr=err, fmt="o", color="#2c3e50", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, names)
    ax.set_xlabel(f"change in days {capital} is held (paired, 95 % interval)")
    ax.set_title("Outcome")
    ax = axes[1]
    states = [m for m in table.measure.unique() if m.startswith("end_state:")]
    left = np.zeros(len(names))
    colours = plt.get_cmap("Set2").colors
    for k, m in enumerate(states):
        v = table[(table.measure == m) & (table.scenario != base)].set_index("scenario")
        share = v.loc[names, "value"].to_numpy()
        ax.barh(y, share, left=left, color=colours[k % len(colours)], label=m.split(":")[1])
        left += share
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs")
    ax.set_title("End state")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    part = fit[fit.role == "all"].set_index("scenario")
    base_mae = part.loc[base, "mae_days"]
    mae = part.loc[names, "mae_days"].to_numpy(dtype=float)
    ax.barh(y, mae, color="#8e44ad")
    # An error over fewer observations is not a better fit: say how many were never produced.
    for yy, m, missing in zip(y, mae, part.loc[names, "not_produced"], strict=True):
        if missing:
            ax.annotate(f"{int(missing)} never produced", (m, yy), xytext=(4, -3),
                        textcoords="offset points", fontsize=8)  # fmt: skip
    ax.axvline(base_mae, color="grey", lw=1, ls="--", label=f"{base}: {base_mae:.2f}")
    ax.set_xlabel("mean absolute error to the documented dates (days)")
    ax.set_title("Fit")
    ax.legend(fontsize=8, loc="lower right")
    for a in axes:
        a.grid(alpha=0.3, axis="x")
    fig.suptitle(f"Each rule switched off in turn ({subtitle})")
    fig.tight_layout()
    path = folder / "ablation.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
