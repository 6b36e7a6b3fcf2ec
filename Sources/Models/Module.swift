// Models: see the files beside this one.
