"""Results on disk, the contract in one place: format version, file names, writers, readers."""
