"""Studies built on ensembles: validation, sensitivity analysis, calibration."""
