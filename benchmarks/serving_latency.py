"""Latency and throughput of the development server vs in-process SavedModel calls.

Starts a `DevServer` on loopback for an export directory and times
`serving_default` (generate) at several batch sizes over REST (both JSON
formats), gRPC, and direct calls of the loaded SavedModel, then prints a
markdown table. Without an export directory it exports an untrained InfoGAN
with the paper's MNIST networks.

    python benchmarks/serving_latency.py [EXPORT_DIR] [--requests 100]

This measures the development stand-in, not TF Serving: use it to see what
serialisation costs, not to size production (TF Serving batches requests and
runs them in C++).
"""

from __future__ import annotations

import argparse
import gc
import platform
import tempfile
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_infogan.serving.client import GrpcClient, RestClient
from keras_infogan.serving.server import DevServer

WARMUP = 5


def default_export(directory: Path) -> Path:
    """An untrained InfoGAN with the paper's MNIST networks, exported under `directory`."""
    import keras_infogan as ki

    model = ki.InfoGAN.for_images((28, 28, 1), ki.LatentSpec(), seed=0)
    ki.export(model, str(directory))
    return directory


def generator_inputs(server: DevServer, batch: int) -> dict[str, np.ndarray]:
    """Valid generate() inputs for `batch` rows: the codes the `sample` signature draws."""
    sample = server.repository.get(server.repository.model_name, None).signatures["sample"]
    drawn = sample.function(seed=tf.range(batch, dtype=tf.int64))
    names = ("noise", "categorical", "continuous")
    return {name: drawn[name].numpy() for name in names if name in drawn}


def measure(
    call: Callable[[], object], requests: int, clients: int
) -> tuple[list[float], float]:
    """Per-request latencies (s) and wall time of `requests` calls from `clients` threads."""
    for _ in range(WARMUP):
        call()

    def worker(n: int) -> list[float]:
        latencies = []
        for _ in range(n):
            start = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - start)
        return latencies

    shares = [requests // clients + (i < requests % clients) for i in range(clients)]
    start = time.perf_counter()
    with futures.ThreadPoolExecutor(clients) as pool:
        latencies = [t for part in pool.map(worker, shares) for t in part]
    return latencies, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", nargs="?", type=Path,
                        help="export directory (numeric version folders); default: an untrained paper-MNIST InfoGAN")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 128])
    parser.add_argument("--requests", type=int, default=100,
                        help="timed requests per transport and batch size (default 100)")
    parser.add_argument("--clients", type=int, default=1,
                        help="concurrent client threads (default 1: pure latency)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.clients < 1:
        parser.error("--requests and --clients must be >= 1")

    with tempfile.TemporaryDirectory() as tmp:
        export_dir = args.export_dir or default_export(Path(tmp))
        server = DevServer(export_dir, rest_port=0, grpc_port=0, max_batch=max(args.batches))
        with server, GrpcClient(server.grpc_target) as grpc_client:
            gc.freeze()  # As serve() does: no full-GC stalls walking TensorFlow's objects.
            servable = server.repository.get(server.repository.model_name, None)
            generate = servable.signatures["serving_default"].function
            transports: dict[str, Callable[..., object]] = {
                "in-process": lambda **x: generate(**{k: tf.constant(v) for k, v in x.items()}),
                "REST instances": RestClient(server.rest_url, format="instances").generate,
                "REST inputs": RestClient(server.rest_url, format="inputs").generate,
                "gRPC": grpc_client.generate,
            }
            rows = []
            for batch in args.batches:
                inputs = generator_inputs(server, batch)
                for name, call in transports.items():
                    latencies, wall = measure(lambda: call(**inputs), args.requests, args.clients)
                    p50, p99 = np.percentile(latencies, [50, 99])
                    rows.append((name, batch, len(latencies), p50, p99,
                                 len(latencies) * batch / wall))

    print(f"Export: {args.export_dir or 'untrained paper-MNIST InfoGAN'} (version {servable.version}); "
          f"TensorFlow {tf.__version__}; {platform.processor() or platform.machine()}; "
          f"{args.clients} client thread(s); {WARMUP} warm-up requests per cell.\n")
    print("| transport | batch | requests | p50 ms | p99 ms | images/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, batch, count, p50, p99, throughput in rows:
        print(f"| {name} | {batch} | {count} | {p50 * 1e3:.2f} | {p99 * 1e3:.2f} "
              f"| {throughput:,.0f} |")


if __name__ == "__main__":
    main()
