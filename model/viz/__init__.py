"""Pictures and pages drawn from saved results: curves, comparisons, timeline, map, report."""
