// Datasets: see the files beside this one.
