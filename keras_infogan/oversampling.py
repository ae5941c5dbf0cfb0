"""Class-preserving oversampling of minority classes: an imbalanced-learn
sampler whose new images come from an InfoGAN whose first categorical code
is the class (every training label given, as `fit(images, labels)` takes).

Two ways to make a class's new images:

- `generate`: the class's code value with fresh noise and continuous codes.
- `interpolate` (as Mondal et al., AISTATS 2023, in InfoGAN's latent space):
  real images of the class are inverted to latents (noise and continuous
  codes fitted by Adam so that G reproduces each image, the class code
  fixed), convex combinations of three same-class latents with Dirichlet(1)
  weights are decoded.

Either way a new image is kept only when Q reads its class back with
probability at least `threshold`; `rejection_rate_` says how many were not.
A new model trains on class-balanced batches (minority images drawn again),
which match the code's uniform prior.
Needs imbalanced-learn (`pip install keras-infogan[imbalanced]`).
"""

from __future__ import annotations

import math
import os
import warnings
from numbers import Integral, Real
from typing import Any

import keras
import numpy as np
from keras import ops

try:
    from imblearn.over_sampling.base import BaseOverSampler
    from imblearn.utils import check_target_type
    from sklearn.utils._param_validation import Interval, StrOptions
except ImportError as error:
    raise ImportError(
        "keras_infogan.oversampling needs imbalanced-learn: pip install 'keras-infogan[imbalanced]'"
    ) from error

from keras_infogan import backend
from keras_infogan.model import InfoGAN
from keras_infogan.run import epoch_dataset
from keras_infogan.spec import LatentSpec

__all__ = ["METHODS", "InfoGANOversampler"]

METHODS = ("generate", "interpolate")
MIXED = 3  # Same-class latents in each convex combination.
DRAWS_PER_IMAGE = 5  # Candidates drawn per image asked for, at most, before the most confident rejects fill in.


class InfoGANOversampler(BaseOverSampler):
    """Oversamples the classes of image arrays with an InfoGAN.

    Args:
        sampling_strategy: imbalanced-learn's: "auto", a float (minority to
            majority ratio, two classes), a dict class -> wanted count, ...
        method: "generate" or "interpolate" (see the module docstring).
        model: None (an InfoGAN with the built-in networks for the images'
            size is trained), an `InfoGAN` or the path of a saved one. Its
            first categorical code has one value per class; with
            `class_names` those are the classes' `str`, else the classes
            must be 0..K-1.
        steps: training steps; None: 2000 for a new model, none for a given one.
        batch_size: images per training step.
        noise_dim, continuous: the latent spec of a new model (its one
            categorical code has a value per class).
        threshold: the least probability of the class that Q must give a new
            image to keep it.
        anchors: the most real images per class inverted for `interpolate`.
        inversion_steps: Adam steps of the inversion.
        image_shape: (H, W, C) of flattened rows of X; None: square, one channel.
        random_state: seed of the model, the training order and the draws.
        verbose: Keras' `fit` progress (0, 1, 2 or "auto").
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "method": [StrOptions(set(METHODS))],
        "model": [None, InfoGAN, str, os.PathLike],
        "steps": [None, Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "noise_dim": [Interval(Integral, 1, None, closed="left")],
        "continuous": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "anchors": [Interval(Integral, 2, None, closed="left")],
        "inversion_steps": [Interval(Integral, 0, None, closed="left")],
        "image_shape": [None, tuple, list],
        "random_state": [None, Integral],
        "verbose": [StrOptions({"auto"}), Interval(Integral, 0, 2, closed="both")],
    }
    _sampling_type = "over-sampling"

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        method: str = "generate",
        model: Any = None,
        steps: int | None = None,
        batch_size: int = 64,
        noise_dim: int = 62,
        continuous: int = 2,
        threshold: float = 0.9,
        anchors: int = 256,
        inversion_steps: int = 200,
        image_shape: tuple[int, int, int] | None = None,
        random_state: int | None = None,
        verbose: Any = "auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.method = method
        self.model = model
        self.steps = steps
        self.batch_size = batch_size
        self.noise_dim = noise_dim
        self.continuous = continuous
        self.threshold = threshold
        self.anchors = anchors
        self.inversion_steps = inversion_steps
        self.image_shape = image_shape
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ imblearn

    def _check_X_y(self, X, y, accept_sparse=None):
        """Images [N, H, W], [N, H, W, C] or flattened [N, H*W*C], any numeric
        dtype (uint8 0..255 or floats in [0, 1]); one label per image."""
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"X must hold numbers (uint8 0..255 or floats in [0, 1]), got dtype {X.dtype}.")
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} images but y has {len(y)} labels; give one label per image.")
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        scale = 255.0 if X.dtype == np.uint8 or (X.size and X.max() > 1.0) else 1.0  # X's value range.
        images = self._images(X, scale)
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            lonely = classes[np.argmin(counts)]
            raise ValueError(f"Class {lonely} has 1 image; every class needs at least 2 to learn it and to check it.")
        self.classes_ = classes
        self._train(images, y)
        rng = np.random.default_rng(self.random_state)
        new_x, new_y = [X], [y]
        self.rejection_rate_ = {}
        for c, n in self.sampling_strategy_.items():
            if n <= 0:
                continue
            made = self._make(c, images[y == c], n, rng)
            out = made.reshape(len(made), *X.shape[1:])  # In X's layout and value range.
            new_x.append((np.round(out * scale) if scale != 1.0 else out).astype(X.dtype))
            new_y.append(np.full(n, c, dtype=y.dtype))
        return np.concatenate(new_x), np.concatenate(new_y)

    def save(self, path: str) -> None:
        """Saves the trained model (a `.keras` file): `model=path` reuses it."""
        self.model_.save(path)

    # ------------------------------------------------------------ the model

    def _images(self, X: np.ndarray, scale: float) -> np.ndarray:
        """X as float32 [N, H, W, C] in [0, 1]."""
        x = X.astype("float32") / scale
        if x.ndim == 2:
            shape = self.image_shape
            if shape is None:
                side = math.isqrt(x.shape[1])
                if side * side != x.shape[1]:
                    raise ValueError(
                        f"X has {x.shape[1]} features a row, not a square image's; pass image_shape=(H, W, C)."
                    )
                shape = (side, side, 1)
            if math.prod(shape) != x.shape[1]:
                raise ValueError(f"image_shape {tuple(shape)} holds {math.prod(shape)} values, but X has {x.shape[1]} a row.")
            x = x.reshape(len(x), *shape)
        elif x.ndim == 3:
            x = x[..., None]
        elif x.ndim != 4:
            raise ValueError(f"X must be images [N, H, W(, C)] or rows [N, features], got shape {X.shape}.")
        return x

    def _train(self, images: np.ndarray, y: np.ndarray) -> None:
        """Sets `model_` (trained for `steps` when asked) and `code_values_`."""
        model, steps = self.model, self.steps
        if isinstance(model, (str, os.PathLike)):
            model = keras.models.load_model(model)
            if not isinstance(model, InfoGAN):
                raise ValueError(f"{self.model} holds a {type(model).__name__}, not an InfoGAN.")
        if model is None:
            keras.utils.set_random_seed(self.random_state or 0)
            spec = LatentSpec(noise_dim=self.noise_dim, categorical=[len(self.classes_)], continuous=self.continuous)
            model = InfoGAN.for_images(
                images.shape[1:], spec, seed=self.random_state, class_names=[str(c) for c in self.classes_]
            )
            steps = 2000 if steps is None else steps
        if tuple(model.image_shape) != images.shape[1:]:
            raise ValueError(
                f"The model makes images of shape {tuple(model.image_shape)} but X holds {images.shape[1:]}: "
                "resize the images (--image-size H W on the command line) or give a model of their size."
            )
        if not model.spec.categorical or model.spec.categorical[0] != len(self.classes_):
            raise ValueError(
                f"The model's first categorical code needs one value per class ({len(self.classes_)}); "
                f"its spec has categorical={list(model.spec.categorical)}."
            )
        self.model_ = model
        self.code_values_ = {c: self._code_value(c) for c in self.classes_}
        if steps:
            if not model.compiled:
                model.compile()
            values = np.array([self.code_values_[c] for c in self.classes_], dtype="int32")
            labels = values[np.searchsorted(self.classes_, y)]
            seed = self.random_state or 0
            rows = _balanced_rows(labels, np.random.default_rng(seed))
            ds = epoch_dataset(images[rows], self.batch_size, steps, seed, 0, 1, labels[rows])
            model.fit(ds, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=self.verbose)

    def _code_value(self, c: Any) -> int:
        """The first categorical code's value that stands for class `c`."""
        names = self.model_.class_names
        if names:
            if str(c) not in names:
                raise ValueError(f"Class {c} is not one of the model's classes ({', '.join(names)}).")
            return names.index(str(c))
        if not isinstance(c, (Integral, np.integer)) or not 0 <= c < self.model_.spec.categorical[0]:
            raise ValueError(f"The model has no class names, so the classes must be 0..K-1; got {c!r}.")
        return int(c)

    # ------------------------------------------------------------ new images

    def _make(self, c: Any, real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        value = self.code_values_[c]
        if self.method == "interpolate":
            chosen = real[rng.choice(len(real), min(len(real), self.anchors), replace=False)]
            anchors = self._invert(chosen, value, rng)
        kept, accepted, drawn = [], 0, 0
        empty = np.zeros((0, *self.model_.image_shape), "float32")
        spare, spare_p = empty, np.zeros(0, "float32")
        while accepted < n and drawn < DRAWS_PER_IMAGE * n:
            m = max(n - accepted, 64)
            latent = self._draw(value, m, rng) if self.method == "generate" else self._mix(anchors, value, m, rng)
            images = self.model_.generate(**latent)
            p = self.model_.encode(images)["categorical_probs"][:, value]
            drawn += m
            kept.append(images[p >= self.threshold])
            accepted += len(kept[-1])
            spare, spare_p = np.concatenate([spare, images[p < self.threshold]]), np.concatenate([spare_p, p[p < self.threshold]])
            best = np.argsort(-spare_p)[:n]  # The most confident rejects, in case too few pass.
            spare, spare_p = spare[best], spare_p[best]
        self.rejection_rate_[c] = 1.0 - accepted / drawn
        out = np.concatenate([empty, *kept])[:n]
        if len(out) < n:
            warnings.warn(
                f"Class {c}: only {accepted} of {drawn} new images passed the threshold {self.threshold}; "
                f"the {n - accepted} most confident of the rest fill the count (lower threshold to accept more)."
            )
            out = np.concatenate([out, spare[: n - len(out)]])
        return out

    def _draw(self, value: int, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        latent = self.model_.spec.sample_numpy(n, rng)
        latent["categorical"][:, 0] = value
        return latent

    def _mix(self, anchors: dict[str, np.ndarray], value: int, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        count = len(next(iter(anchors.values())))
        picks = np.stack([rng.choice(count, min(MIXED, count), replace=False) for _ in range(n)])
        weights = rng.dirichlet(np.ones(picks.shape[1]), n).astype("float32")
        latent = {k: np.einsum("nm,nmd->nd", weights, v[picks]) for k, v in anchors.items()}
        latent["categorical"] = self._draw(value, n, rng)["categorical"]
        return latent

    def _invert(self, images: np.ndarray, value: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Noise and continuous codes that G maps (with the class code) closest
        to each image: Adam on the squared error, kept inside the priors' range."""
        model, spec = self.model_, self.model_.spec
        start = self._draw(value, len(images), rng)
        parts = {k: start[k] for k in ("noise", "continuous") if k in start and start[k].shape[1]}
        if "continuous" in parts:
            parts["continuous"] = np.clip(model.encode(images)["continuous"], -1.0, 1.0)
        widths = [parts[k].shape[1] for k in parts]
        bounded = [getattr(spec, f"{k}_prior") == "uniform" for k in parts]
        params = np.concatenate(list(parts.values()), axis=1).astype("float32")
        categorical = ops.convert_to_tensor(start["categorical"])
        target = ops.convert_to_tensor(images)

        def error(flat):
            split = dict(zip(parts, ops.split(flat, np.cumsum(widths)[:-1].tolist(), axis=1)))
            fake = model.call(spec.to_input({**split, "categorical": categorical}), training=False)
            return ops.sum(ops.square(fake - target))

        m, v = np.zeros_like(params), np.zeros_like(params)
        low = np.concatenate([np.full(w, -1.0 if b else -np.inf, "float32") for w, b in zip(widths, bounded)])
        for t in range(1, self.inversion_steps + 1):
            g = np.asarray(ops.convert_to_numpy(backend.input_gradient(error, ops.convert_to_tensor(params))))
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            params -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
            params = np.clip(params, low, -low)
        return dict(zip(parts, np.split(params, np.cumsum(widths)[:-1], axis=1)))


def _balanced_rows(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row indices with every class drawn as often as the largest: the real
    batches then match the code's uniform prior, so D does not teach G that
    a minority class's images are rare."""
    values, counts = np.unique(labels, return_counts=True)
    rows = [
        np.concatenate([np.flatnonzero(labels == v), rng.choice(np.flatnonzero(labels == v), counts.max() - n)])
        for v, n in zip(values, counts)
    ]
    return rng.permutation(np.concatenate(rows))
