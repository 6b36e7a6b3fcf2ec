// Plots: see the files beside this one.
