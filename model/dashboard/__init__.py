"""The dashboard: a local web app (Mesa's SolaraViz) to replay a run and compare scenarios.

A layer above the simulation, the ensembles and the drawing code; it writes no files and
knows nothing of the command line, which starts it (``python -m model dashboard``).
"""
