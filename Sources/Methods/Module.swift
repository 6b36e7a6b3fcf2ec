// Methods: see the files beside this one.
