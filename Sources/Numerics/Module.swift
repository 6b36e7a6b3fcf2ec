// Numerics: see the files beside this one.
