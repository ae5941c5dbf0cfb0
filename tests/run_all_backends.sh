#!/usr/bin/env bash
# Runs the test suite once per Keras backend; fails if any backend fails.
# Tests marked `once` (backend-independent) run in the tensorflow session only.
# pytest-xdist runs the files on one worker per core (a file's tests stay
# together, so its module fixtures are built once).
set -u
cd "$(dirname "$0")/.."
# The tests' networks are tiny, so compiling their steps costs more than running
# them: XLA compiles without LLVM's optimizations (a third less compile time),
# and jax keeps its compiled programs on disk for the whole run (the tests build
# the same networks in many processes).
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export XLA_FLAGS="${XLA_FLAGS:+$XLA_FLAGS }--xla_backend_optimization_level=0"
export JAX_COMPILATION_CACHE_DIR="$cache" JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
status=0
for backend in tensorflow jax torch; do
    echo "=== KERAS_BACKEND=$backend"
    only=()
    [ "$backend" = tensorflow ] || only=(-m "not once")
    KERAS_BACKEND=$backend TF_CPP_MIN_LOG_LEVEL=2 python -m pytest -q -p no:cacheprovider -n auto --dist loadfile ${only[@]+"${only[@]}"} "$@" || status=1
done
exit $status
