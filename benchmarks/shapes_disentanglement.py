"""MIG and the FactorVAE score on the embedded shapes data: InfoGAN's default
recipe against the same networks trained as a plain GAN.

Each seed trains a run as `keras-infogan train` does (the shapes spec, the
run defaults but `--epochs`), then reads the codes of freshly drawn shapes
images and scores them against their five factors (`evaluation.
shapes_disentanglement`, disentanglement_lib's settings). The plain GAN trains
with every info weight at 0; its codes are read by a Q trained afterwards on
its G's images, G fixed (`evaluation.fit_code_reader`). One JSON line per run,
then a markdown table.

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/shapes_disentanglement.py --seeds 0 1 2 --epochs 5 --out runs/shapes
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import time

import keras

from keras_infogan import evaluation, run
from keras_infogan.data import shapes
from keras_infogan.grids import GridSettings
from keras_infogan.model import InfoGAN
from keras_infogan.recipe import Recipe
from keras_infogan.spec import LatentSpec

VARIANTS = {
    "infogan": Recipe(),
    "plain GAN": Recipe(categorical_weight=0.0, continuous_weight=0.0, iic_weight=0.0),
}


def measure(variant: str, seed: int, args: argparse.Namespace) -> dict:
    run_dir = os.path.join(args.out, f"{variant.replace(' ', '_')}_seed{seed}")
    settings = run.RunSettings(epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, seed=seed, tensorboard=False)
    model_options = {name: inspect.signature(InfoGAN).parameters[name].default for name in ("q_hidden", "weight_init")}
    config = run.new_config(settings, LatentSpec(**shapes.SPEC), VARIANTS[variant], GridSettings(), model_options, "benchmark")
    start = time.perf_counter()
    model = run.train(run_dir, config, verbose=0, print_fn=lambda line: None) if not os.path.exists(run_dir) else None
    train_s = time.perf_counter() - start
    model = model or keras.models.load_model(os.path.join(run_dir, "model.keras"))
    assert isinstance(model, InfoGAN)
    read = evaluation.code_reader(model) if variant == "infogan" else evaluation.fit_code_reader(model, args.refit_q, seed=seed)
    scores = evaluation.shapes_disentanglement(read, seed=seed)
    return {"variant": variant, "seed": seed, **scores, "train_s": round(train_s, 1), "steps": model.optimizer.iterations.numpy().item()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the shapes data (312 steps each at batch 64)")
    parser.add_argument("--steps-per-epoch", type=int, help="steps per epoch (default: one pass over the data)")
    parser.add_argument("--refit-q", type=int, default=2000, help="steps of the plain GAN's Q trained afterwards")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--out", default="runs/shapes-disentanglement", help="where the runs go (reused if present)")
    args = parser.parse_args()
    results = []
    for variant in args.variants:
        for seed in args.seeds:
            results.append(measure(variant, seed, args))
            print(json.dumps(results[-1]), flush=True)
    print("| model | seed | MIG | FactorVAE | train s |")
    print("| --- | --- | --- | --- | --- |")
    for result in results:
        print(f"| {result['variant']} | {result['seed']} | {result['mig']:.3f} | {result['factor_vae']:.3f} | {result['train_s']:.0f} |")
    for variant in args.variants:
        rows = [r for r in results if r["variant"] == variant]
        mig, fvae = (statistics.median(r[k] for r in rows) for k in ("mig", "factor_vae"))
        print(f"| {variant} | median | {mig:.3f} | {fvae:.3f} | |")


if __name__ == "__main__":
    main()
