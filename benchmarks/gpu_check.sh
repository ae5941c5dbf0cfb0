#!/usr/bin/env bash
# The speed table and a short accuracy run on whatever accelerator the backends find
# (Keras places work on the first GPU by itself), for BENCHMARKS.md with the device named.
# Needs the backends' accelerator builds (for NVIDIA: pip install "jax[cuda12]", and torch's
# CUDA wheel in place of the CPU pin) and a Keras-layout mnist.npz.
#
# Usage: bash benchmarks/gpu_check.sh [MNIST_NPZ] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/mnist.npz}
out=${2:-gpu_check}
mkdir -p "$out"
device=cpu
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
    device=cuda
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/device.txt"
else
    echo "no NVIDIA GPU: the figures below are the CPU's" | tee "$out/device.txt"
fi
python benchmarks/train_speed.py --data "$data" --batch-sizes 64 128 --steps 40 --repeats 3 \
    --baseline-device "$device" | tee "$out/speed.md"
for backend in tensorflow jax torch; do
    KERAS_BACKEND=$backend python benchmarks/mnist_recipe.py --data "$data" --seeds 0 \
        --iterations 1000 --eval-every 500 | tee "$out/accuracy_$backend.txt"
done
