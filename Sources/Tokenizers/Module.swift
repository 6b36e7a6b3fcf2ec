// Tokenizers: see the files beside this one.
