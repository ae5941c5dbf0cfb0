"""Export a trained InfoGAN as a TensorFlow SavedModel for TF Serving.

The export always runs under Keras' TensorFlow backend. A `.keras` file holds
backend-neutral weights, so a model trained under jax or torch is saved to a
temporary `.keras` file and rebuilt under TensorFlow in a subprocess: the
SavedModel is then a plain TensorFlow graph (no jax2tf or torch export path,
no Python of ours needed to serve it), the same whichever backend trained it.

The signatures are the serving contract of `keras_infogan.contract` (a
table model's: `keras_infogan.tables.export`). A
version folder is built beside its final place and renamed into it, so a
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

from keras_infogan import contract

__all__ = ["draw_latent_row", "export", "next_version"]


def next_version(export_dir: str) -> int:
    """The integer after the highest numeric version folder in `export_dir`."""
    if not os.path.isdir(export_dir):
        return 1
    versions = [int(name) for name in os.listdir(export_dir) if name.isdigit()]
    return max(versions, default=0) + 1


def export(model: Any, export_dir: str, version: int | None = None) -> str:
    """Writes `export_dir/<version>/`, a SavedModel with the contract's signatures.

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

    from keras_infogan.model import InfoGAN

    if keras.backend.backend() != "tensorflow":
        _export_in_subprocess(model, path)
        return
    if isinstance(model, (str, os.PathLike)):
        import keras_infogan.tables.model  # noqa: F401  (registers TableInfoGAN for load_model)

        path_given, model = model, keras.models.load_model(model)
        if not isinstance(model, InfoGAN):
            raise ValueError(f"{path_given} holds a {type(model).__name__}, not an InfoGAN model.")
    if hasattr(model, "transformer"):  # a TableInfoGAN: decoded rows
        from keras_infogan.tables.export import save_table_signatures

        save_table_signatures(model, path)
    else:
        _save_signatures(model, path)


def _export_in_subprocess(model: Any, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if not isinstance(model, (str, os.PathLike)):
            model.save(os.path.join(tmp, "model.keras"))
            model = os.path.join(tmp, "model.keras")
        env = dict(os.environ, KERAS_BACKEND="tensorflow")
        proc = subprocess.run(
            [sys.executable, "-m", "keras_infogan.saved_model", str(model), path],
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
    widths = {"noise": spec.noise_dim, "categorical": spec.n_categorical, "continuous": spec.continuous}
    inputs = {
        name: tf.TensorSpec([None, widths[name]], contract.DTYPES[name], name=name)
        for name in contract.LATENT_DTYPES
        if widths[name]
    }

    def checked(latent: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        if "categorical" not in latent:
            return latent
        cat = latent["categorical"]
        checks = []
        for i, k in enumerate(spec.categorical):
            message = contract.categorical_range_message(i, k)
            checks.append(tf.debugging.assert_non_negative(cat[:, i], message=message))
            checks.append(tf.debugging.assert_less(cat[:, i], k, message=message))
        with tf.control_dependencies(checks):
            return {key: tf.identity(value) for key, value in latent.items()}

    def images_for(latent: dict[str, tf.Tensor]) -> tf.Tensor:
        return model.call(spec.to_input(latent), training=False)

    module = tf.Module()
    module.generator = model.generator
    module.trunk = model.discriminator_trunk
    module.q_head = model.q_head
    row = {k: tf.TensorSpec(s.shape[1:], s.dtype) for k, s in inputs.items()}

    @tf.function(input_signature=[inputs])
    def serving_default(latent):
        return {"images": images_for(checked(latent))}

    @tf.function(input_signature=[tf.TensorSpec([None], contract.DTYPES["seed"], name="seed")])
    def sample(seed):
        latent = tf.map_fn(lambda s: draw_latent_row(spec, s), seed, fn_output_signature=row)
        return {"images": images_for(latent), **latent}

    @tf.function(input_signature=[tf.TensorSpec([None, h, w, c], contract.DTYPES["images"], name="images")])
    def encode(images):
        return dict(model.encode_tensors(images))

    signatures = {contract.GENERATE: serving_default, contract.SAMPLE: sample, contract.ENCODE: encode}
    if spec.categorical:
        names = list(model.class_names or [str(value) for value in range(spec.categorical[0])])

        @tf.function(
            input_signature=[
                tf.TensorSpec([None], contract.DTYPES["class_name"], name="class_name"),
                tf.TensorSpec([None], contract.DTYPES["seed"], name="seed"),
            ]
        )
        def sample_class(class_name, seed):
            matches = tf.equal(class_name[:, None], tf.constant(names)[None, :])
            known = tf.debugging.Assert(
                tf.reduce_all(tf.reduce_any(matches, axis=1)), [contract.class_name_message(names)]
            )
            with tf.control_dependencies([known]):
                index = tf.argmax(tf.cast(matches, tf.int32), axis=1, output_type=tf.int32)
            latent = tf.map_fn(lambda s: draw_latent_row(spec, s), seed, fn_output_signature=row)
            latent["categorical"] = tf.concat([index[:, None], latent["categorical"][:, 1:]], axis=1)
            return {"images": images_for(latent), **latent}

        signatures[contract.SAMPLE_CLASS] = sample_class
    tf.saved_model.save(module, path, signatures=signatures)


def draw_latent_row(spec: Any, seed: Any) -> dict[str, Any]:
    """One row of latents for one int64 seed, drawn in the graph by TF's
    stateless ops from `spec.draw`'s priors: the same seed, the same row."""
    import tensorflow as tf

    key = tf.stack([seed, tf.zeros_like(seed)])
    keys = {"noise": key, "continuous": tf.random.experimental.stateless_fold_in(key, 1)}
    code_keys = tf.random.experimental.stateless_split(key, max(spec.n_categorical, 1))

    def real(prior, shape, part):
        if prior == "uniform":
            return tf.random.stateless_uniform(shape, keys[part], -1.0, 1.0)
        return tf.random.stateless_normal(shape, keys[part])

    def integers(high, shape, index):
        return tf.random.stateless_uniform(shape, code_keys[index], 0, high, dtype=tf.int32)

    return spec.draw((), real, integers, lambda columns: tf.concat(columns, axis=-1))


def main(argv: list[str] | None = None) -> None:
    """Internal entry point: the export step run under the TensorFlow backend."""
    parser = argparse.ArgumentParser(description="Write MODEL's SavedModel to exactly PATH.")
    parser.add_argument("model", help="a saved .keras file")
    parser.add_argument("path", help="the SavedModel folder to write")
    args = parser.parse_args(argv)
    _export_to(args.model, args.path)


if __name__ == "__main__":
    main()
