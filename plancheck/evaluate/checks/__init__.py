"""One module per rule family; each registers its check kinds with `registry.check_kind`."""
