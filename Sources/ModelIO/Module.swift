// ModelIO: see the files beside this one.
