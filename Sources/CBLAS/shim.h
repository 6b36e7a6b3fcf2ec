// OpenBLAS exposes the CBLAS interface; LAPACK routines (for SVD etc.) are in the same library.
#include <cblas.h>

// LAPACK single-precision SVD, Fortran calling convention (column-major).
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *iwork, int *info);
