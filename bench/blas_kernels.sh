# blas_kernels.sh — sourced by the benchmark scripts: cajal and PyTorch get
# the same OpenBLAS kernels, the best this CPU runs (those `cajal` itself
# uses when OPENBLAS_CORETYPE is unset; include/cajal/blas.h). Set
# BENCH_OPENBLAS_CORETYPE to compare another kernel set.
if [ -z "${BENCH_OPENBLAS_CORETYPE:-}" ]; then
    BENCH_OPENBLAS_CORETYPE=$(env -u OPENBLAS_CORETYPE ./cajal --version | awk '/^blas:/ {print $3}')
fi
export OPENBLAS_CORETYPE="$BENCH_OPENBLAS_CORETYPE"
echo "blas:    OpenBLAS $OPENBLAS_CORETYPE kernels on both sides (OPENBLAS_CORETYPE; BENCH_OPENBLAS_CORETYPE to choose)"
