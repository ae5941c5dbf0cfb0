"""Export a trained InfoGAN as a TensorFlow SavedModel for TF Serving.

The export always runs under Keras' TensorFlow backend. A `.keras` file holds
backend-neutral weights, so a model trained under jax or torch is saved to a
temporary `.keras` file and rebuilt under TensorFlow in a subprocess: the
SavedModel is then a plain TensorFlow graph (no jax2tf or torch export path,
no Python of ours needed to serve it), the same whichever backend trained it.

Signatures (the contract other tools depend on):

- `serving_default`: `noise` float32 [N, noise_dim], `categorical` int32
  [N, n_categorical], `continuous` float32 [N, n_continuous] -> `images`
  float32 [N, H, W, C] in [0, 1]. Inputs the spec lacks are left out.
- `sample`: `seed` int64 [N] -> `images`, `noise`, `categorical`,
  `continuous`; a seed always gives the same draw.
- `encode`: `images` float32 [N, H, W, C] -> `categorical` int32,
  `categorical_probs` float32, `continuous` float32, `continuous_std` float32.

A version folder is built beside its final place and renamed into it, so a
server watching `export_dir` never sees a half-written version.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any


def next_version(export_dir: str) -> int:
    """The integer after the highest numeric version folder in `export_dir`."""
    if not os.path.isdir(export_dir):
        return 1
    versions = [int(name) for name in os.listdir(export_dir) if name.isdigit()]
    return max(versions, default=0) + 1


def export(model: Any, export_dir: str, version: int | None = None) -> str:
    """Writes `export_dir/<version>/`, a SavedModel with the three signatures.

    Args:
        model: an `InfoGAN`, or the path of a saved `.keras` file.
        export_dir: the model's base folder (TF Serving's `base_path`).
        version: the version number; by default the next after the highest
            present.

    Returns:
        The path of the version folder written.
    """
    version = next_version(export_dir) if version is None else int(version)
    if version < 1:
        raise ValueError(f"version must be a positive integer, got {version}.")
    final = os.path.join(export_dir, str(version))
    if os.path.exists(final):
        raise ValueError(f"{final} already exists; pick another version or leave version=None.")
    if isinstance(model, (str, os.PathLike)) and not os.path.isfile(model):
        raise ValueError(f"No such model file: {model!r}; pass a saved .keras file or a model.")
    os.makedirs(export_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{version}-", dir=export_dir)
    try:
        _export_to(model, os.path.join(staging, "saved_model"))
        os.rename(os.path.join(staging, "saved_model"), final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _export_to(model: Any, path: str) -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        _export_in_subprocess(model, path)
        return
    if isinstance(model, (str, os.PathLike)):
        model = keras.models.load_model(model)
    _save_signatures(model, path)


def _export_in_subprocess(model: Any, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if not isinstance(model, (str, os.PathLike)):
            model.save(os.path.join(tmp, "model.keras"))
            model = os.path.join(tmp, "model.keras")
        env = dict(os.environ, KERAS_BACKEND="tensorflow")
        proc = subprocess.run(
            [sys.executable, "-m", "keras_infogan.export", str(model), path],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"Export under the TensorFlow backend failed:\n{proc.stderr[-2000:]}")


def _save_signatures(model: Any, path: str) -> None:
    import tensorflow as tf

    spec = model.spec
    h, w, c = model.image_shape
    inputs = {}
    if spec.noise_dim:
        inputs["noise"] = tf.TensorSpec([None, spec.noise_dim], tf.float32, name="noise")
    if spec.categorical:
        inputs["categorical"] = tf.TensorSpec([None, spec.n_categorical], tf.int32, name="categorical")
    if spec.continuous:
        inputs["continuous"] = tf.TensorSpec([None, spec.continuous], tf.float32, name="continuous")

    def checked(latent: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        if "categorical" not in latent:
            return latent
        cat = latent["categorical"]
        checks = [tf.debugging.assert_non_negative(cat, message="categorical code index must be >= 0")]
        for i, k in enumerate(spec.categorical):
            checks.append(
                tf.debugging.assert_less(
                    cat[:, i], k, message=f"categorical code {i} index must be < its category count {k}"
                )
            )
        with tf.control_dependencies(checks):
            return {key: tf.identity(value) for key, value in latent.items()}

    def images_for(latent: dict[str, tf.Tensor]) -> tf.Tensor:
        return model.generator(spec.to_input(latent), training=False)

    def draw(seed: tf.Tensor) -> dict[str, tf.Tensor]:
        key = tf.stack([seed, tf.zeros_like(seed)])
        out = {}
        if spec.noise_dim:
            out["noise"] = _stateless(spec.noise_prior, [spec.noise_dim], key)
        if spec.categorical:
            keys = tf.random.experimental.stateless_split(key, spec.n_categorical)
            out["categorical"] = tf.stack(
                [tf.random.stateless_uniform([], keys[i], 0, k, dtype=tf.int32) for i, k in enumerate(spec.categorical)]
            )
        if spec.continuous:
            cont_key = tf.random.experimental.stateless_fold_in(key, 1)
            out["continuous"] = _stateless(spec.continuous_prior, [spec.continuous], cont_key)
        return out

    module = tf.Module()
    module.generator = model.generator
    module.trunk = model.discriminator_trunk
    module.q_head = model.q_head
    row = {k: tf.TensorSpec(s.shape[1:], s.dtype) for k, s in inputs.items()}

    @tf.function(input_signature=[inputs])
    def serving_default(latent):
        return {"images": images_for(checked(latent))}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64, name="seed")])
    def sample(seed):
        latent = tf.map_fn(draw, seed, fn_output_signature=row)
        return {"images": images_for(latent), **latent}

    @tf.function(input_signature=[tf.TensorSpec([None, h, w, c], tf.float32, name="images")])
    def encode(images):
        return dict(model.encode_tensors(images))

    tf.saved_model.save(
        module, path, signatures={"serving_default": serving_default, "sample": sample, "encode": encode}
    )


def _stateless(prior: str, shape: list[int], key: Any) -> Any:
    import tensorflow as tf

    if prior == "uniform":
        return tf.random.stateless_uniform(shape, key, -1.0, 1.0)
    return tf.random.stateless_normal(shape, key)


def main(argv: list[str] | None = None) -> None:
    """Internal entry point: the export step run under the TensorFlow backend."""
    parser = argparse.ArgumentParser(description="Write MODEL's SavedModel to exactly PATH.")
    parser.add_argument("model", help="a saved .keras file")
    parser.add_argument("path", help="the SavedModel folder to write")
    args = parser.parse_args(argv)
    _export_to(args.model, args.path)


if __name__ == "__main__":
    main()
