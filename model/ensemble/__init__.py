"""Where and how ensembles run: executors (serial, process pool, Dask) and the runner."""
