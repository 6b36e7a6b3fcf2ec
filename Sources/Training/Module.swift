// Training: see the files beside this one.
