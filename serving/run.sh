#!/usr/bin/env bash
# Runs TensorFlow Serving for the exported InfoGAN with plain `docker run`
# (the same setup as docker-compose.yml).
#
#   serving/run.sh /abs/path/to/export [image]
#
# REST on :8501, gRPC on :8500; see serving/README.md.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 EXPORT_DIR [IMAGE]  (EXPORT_DIR holds version folders 1/, 2/, ...)" >&2
  exit 2
fi
export_dir="$(cd "$1" && pwd)"
image="${2:-${TF_SERVING_IMAGE:-tensorflow/serving:latest}}"
config_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

exec docker run --rm --name infogan-serving \
  -p 8500:8500 -p 8501:8501 \
  --mount "type=bind,source=${export_dir},target=/models/infogan,readonly" \
  --mount "type=bind,source=${config_dir}/models.config,target=/config/models.config,readonly" \
  --mount "type=bind,source=${config_dir}/batching_parameters.txt,target=/config/batching_parameters.txt,readonly" \
  "${image}" \
  --model_config_file=/config/models.config \
  --enable_batching=true \
  --batching_parameters_file=/config/batching_parameters.txt \
  --file_system_poll_wait_seconds=30
