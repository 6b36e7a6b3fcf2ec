// Metrics: see the files beside this one.
