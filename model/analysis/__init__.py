"""Statistics of saved results: summaries, comparisons with paired intervals, validation scores."""
