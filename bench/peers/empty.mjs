// An empty worker file: the bare-Worker baseline of the `process` scenario.
