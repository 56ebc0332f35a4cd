"""I/O: the event store, rule files, scenario files, Redis and the CLI."""
