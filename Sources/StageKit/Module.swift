// StageKit: see the files beside this one.
