/* lapack.h — the LAPACK routines cajal calls, from the LAPACK inside
 * Debian's OpenBLAS (libopenblas0 ships them; its build has no LAPACKE,
 * so these are the Fortran entry points: every argument by pointer,
 * matrices column-major). A row-major matrix passed as column-major is
 * its transpose, which the callers use on purpose and say so.
 * Private to src/. */
#ifndef CAJAL_CORE_LAPACK_H
#define CAJAL_CORE_LAPACK_H

/* Eigenvalues (and optionally right eigenvectors) of a general matrix. */
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda, double *wr, double *wi,
            double *vl, const int *ldvl, double *vr, const int *ldvr, double *work, const int *lwork, int *info);
/* Eigen-decomposition of a symmetric matrix (eigenvalues ascending). */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
            const int *lwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
/* Singular value decomposition. */
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *info);
/* QR factorisation, and Q from it. */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);
/* Least squares through QR, and square solves (LU; Cholesky). */
void dgels_(const char *trans, const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
            const int *ldb, double *work, const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb,
            int *info);
/* LU factorisation alone (for a determinant). */
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
            int *info);

#endif
