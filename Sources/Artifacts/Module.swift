// Artifacts: see the files beside this one.
