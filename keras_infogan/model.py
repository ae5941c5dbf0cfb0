"""`InfoGAN`: a `keras.Model` whose `fit` alternates a D and a G+Q update.

The math of one step (latent draw, the D loss, the G+Q loss, metrics) lives
here, once, in `keras.ops`. How gradients are taken and applied is the only
backend-specific part: see `keras_infogan.backend`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_infogan import augment, backend, contract, devices, losses, networks, penalties
from keras_infogan.data import kinds, labels as class_labels
from keras_infogan.precision import PRECISION, policy as precision_policy
from keras_infogan.recipe import Recipe
from keras_infogan.spec import LatentSpec

__all__ = ["InfoGAN", "METRIC_NAMES", "OPTIONAL_METRIC_NAMES"]

METRIC_NAMES = (
    "d_loss",
    "g_loss",
    "info_loss",
    "info_categorical",
    "info_continuous",
    "mi_lower_bound",
    "d_acc_real",
    "d_acc_fake",
)
# Logged only when their terms are on (`compile(iic_weight=..., gradient_penalty=...)`, labels).
OPTIONAL_METRIC_NAMES = ("iic_mi", "gradient_penalty", "supervised_loss", "self_training_loss")


class _OptimizerPair(keras.optimizers.MultiOptimizer):
    """A MultiOptimizer whose saved state is only its own step counter.

    `MultiOptimizer` saves its inner optimizers' variables with its own, and
    the inner optimizers, saved as `d_optimizer` and `g_optimizer`, save them
    again: the Adam state would be stored twice.
    """

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable

    def load_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])


@keras.saving.register_keras_serializable(package="keras_infogan")
class InfoGAN(keras.Model):
    """InfoGAN (Chen et al., 2016): a GAN whose codes c must be recoverable
    from G(z, c) by an auxiliary head Q on the discriminator's trunk.

    Args:
        generator: maps [B, spec.input_dim] to images in [0, 1].
        discriminator_trunk: maps images to features shared by D and Q.
        spec: the `LatentSpec`.
        q_hidden: width of Q's hidden layer (paper: 128).
        seed: seed of the generator of latent draws during training.
        weight_init: a name in `networks.WEIGHT_INITS`, for the D and Q
            heads built here; `for_images` builds G and the trunk with it too.
        class_names: names of the first categorical code's values (the
            classes of labelled data), so `generate` and the export take them.

    Example:

    ```python
    spec = LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    model = InfoGAN.for_images((28, 28, 1), spec)
    model.compile()
    model.fit(keras_infogan.data.load("mnist", batch_size=128), epochs=10)
    images = model.generate(categorical=[[3]] * 8, continuous=[[-1.0, 0.0]] * 8, seed=1)
    ```
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator_trunk: keras.Model,
        spec: LatentSpec,
        q_hidden: int = 128,
        seed: int | None = None,
        weight_init: str = networks.WEIGHT_INIT,
        class_names: list[str] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if class_names is not None:
            if not spec.categorical:
                raise ValueError("class_names name the values of the first categorical code, but the spec has none.")
            class_names = class_labels.check_class_names(class_names, spec.categorical[0])
        self._check_networks(generator, discriminator_trunk, spec)
        self.spec = spec
        self.q_hidden = q_hidden
        self.seed = seed
        self.weight_init = networks.check_weight_init(weight_init)
        self.class_names = class_names  # Of the first categorical code's values; None: indices.
        self.generator = generator
        self.discriminator_trunk = discriminator_trunk
        self.d_head = self._discriminator_head(discriminator_trunk, weight_init)
        self.q_head = networks.q_head(
            discriminator_trunk, spec.total_categories + 2 * spec.continuous, q_hidden, weight_init
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._engine = devices.current_engine()  # Built inside devices.data_parallel: train there too.
        self.trackers = {name: keras.metrics.Mean(name=name) for name in METRIC_NAMES + OPTIONAL_METRIC_NAMES}
        self.built = True

    @staticmethod
    def _check_networks(generator: keras.Model, trunk: keras.Model, spec: LatentSpec) -> None:
        """A ValueError where G's input or output does not fit the spec or the trunk."""
        if generator.input_shape[-1] != spec.input_dim:
            raise ValueError(
                f"The generator takes inputs of width {generator.input_shape[-1]} but the "
                f"spec's input is {spec.input_dim} wide (noise + one-hot codes + continuous "
                f"codes). Build the generator with input_dim=spec.input_dim."
            )
        if tuple(generator.output_shape[1:]) != tuple(trunk.input_shape[1:]):
            raise ValueError(
                f"The generator makes images of shape {tuple(generator.output_shape[1:])} "
                f"but the discriminator trunk takes {tuple(trunk.input_shape[1:])}."
            )

    def _discriminator_head(self, trunk: keras.Model, weight_init: str) -> keras.Model:
        """D's head on the trunk (a subclass for other data builds its own)."""
        return networks.discriminator_head(trunk, weight_init)

    @classmethod
    def for_images(
        cls,
        image_shape: tuple[int, int, int],
        spec: LatentSpec,
        weight_init: str = networks.WEIGHT_INIT,
        precision: str = PRECISION,
        critic_normalization: str = networks.CRITIC_NORMALIZATION,
        **kwargs,
    ) -> "InfoGAN":
        """Builds the paper's MNIST networks for 28x28 images, DCGAN-style
        networks for square power-of-two images (16x16, 32x32, 64x64, ...), initialised
        as `weight_init` says, G and the trunk computing in `precision`
        ("float32" or "bf16", see `keras_infogan.precision`), the trunk
        normalised as `critic_normalization` says ("layer" for WGAN-GP:
        `penalties.critic_normalization`)."""
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}.")
        with precision_policy(precision):
            if image_shape[:2] == (28, 28):
                g = networks.mnist_generator(spec.input_dim, image_shape, weight_init=weight_init)
                trunk = networks.mnist_discriminator_trunk(image_shape, weight_init, critic_normalization)
            else:
                g = networks.dcgan_generator(spec.input_dim, image_shape, weight_init=weight_init)
                trunk = networks.dcgan_discriminator_trunk(
                    image_shape, weight_init=weight_init, normalization=critic_normalization
                )
        return cls(g, trunk, spec, weight_init=weight_init, **kwargs)

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.generator.output_shape[1:])

    # ------------------------------------------------------------------ compile

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        recipe: Recipe | None = None,
        **kwargs,
    ) -> None:
        """Configures training: the objective and the two optimizers.

        Args:
            d_optimizer: D's optimizer, and Q's head's when the info term
                trains the trunk (default: Adam at `recipe.d_learning_rate`;
                a given optimizer keeps its own settings).
            g_optimizer: G's optimizer, and Q's head's otherwise (default:
                Adam at `recipe.g_learning_rate`).
            recipe: a `Recipe`; default `Recipe()`, whose fields document
                every choice and its default.
            **kwargs: `Recipe` fields, which override `recipe`'s
                (`compile(categorical_loss="sigmoid")`), and the arguments of
                `keras.Model.compile` (`jit_compile`, `steps_per_execution`,
                ...). `jit_compile="auto"` means XLA on the tensorflow
                backend, on CPUs too, where Keras would turn it off.
        """
        options = Recipe.take_options(kwargs)
        recipe = dataclasses.replace(recipe or Recipe(), **options)
        self.recipe = recipe.resolved(has_categorical=bool(self.spec.categorical))
        self.d_optimizer = backend.prepare_optimizer(d_optimizer or self.recipe.optimizer("d"))
        self.g_optimizer = backend.prepare_optimizer(g_optimizer or self.recipe.optimizer("g"))
        self.adversarial = losses.get_adversarial_loss(self.recipe.adversarial_loss)
        d_ids = {id(v) for v in self._d_step_layers_variables()}
        d_opt, g_opt = self.d_optimizer, self.g_optimizer
        # One optimizer object holds both, so Keras' JAX trainer threads both
        # optimizers' state through `fit` and callbacks see `.optimizers`.
        multi = _OptimizerPair(lambda v: d_opt if id(v) in d_ids else g_opt)
        jit_compile = kwargs.get("jit_compile", "auto")
        if jit_compile == "auto" and keras.backend.backend() == "tensorflow" and devices.replicas() == 1:
            # Keras' "auto" turns XLA off on CPUs, where this step runs faster
            # with it; XLA cannot place the replicas of CPU devices.
            jit_compile = not kwargs.get("run_eagerly", False)
        with self._device_scope():
            super().compile(optimizer=multi, **{**kwargs, "jit_compile": jit_compile})
            self.optimizer.build(self.trainable_variables)
        self._extra_compile_kwargs = kwargs

    def _device_scope(self) -> Any:
        """The data-parallel engine this model was built under, entered again
        (`devices.data_parallel`); nothing for a one-device model."""
        if self._engine is not None:
            return self._engine.scope()
        if keras.backend.backend() == "tensorflow":
            return self.distribute_strategy.scope()
        return contextlib.nullcontext()

    def _d_step_layers_variables(self) -> list:
        variables = self.discriminator_trunk.trainable_variables + self.d_head.trainable_variables
        if getattr(self, "recipe", None) is not None and self.recipe.info_trains_trunk:
            variables += self.q_head.trainable_variables
        return variables

    @property
    def d_variables(self) -> list:
        """Variables of the D update (trunk, D head, and Q head when the info
        term trains the trunk), in model order."""
        ids = {id(v) for v in self._d_step_layers_variables()}
        return [v for v in self.trainable_variables if id(v) in ids]

    @property
    def g_variables(self) -> list:
        """Variables of the G update (generator, and Q head unless the info
        term trains the trunk), in model order."""
        ids = {id(v) for v in self._d_step_layers_variables()}
        return [v for v in self.trainable_variables if id(v) not in ids]

    def get_compile_config(self) -> dict[str, Any]:
        if not self.compiled:
            return {}
        return {
            "d_optimizer": backend.serialize_optimizer(self.d_optimizer),
            "g_optimizer": backend.serialize_optimizer(self.g_optimizer),
            "recipe": self.recipe.get_config(),
            **self._extra_compile_kwargs,
        }

    def compile_from_config(self, config: dict[str, Any]) -> None:
        config = dict(config)
        keras_args = {k: config.pop(k) for k in list(config) if k in inspect.signature(keras.Model.compile).parameters}
        if "recipe" in config:
            recipe = Recipe.from_config(config["recipe"])
        else:  # keras-infogan 0.1 wrote the recipe's fields beside the optimizers.
            recipe = Recipe.from_legacy_compile(config)
        optimizers = {key: keras.saving.deserialize_keras_object(config[key]) for key in ("d_optimizer", "g_optimizer")}
        self.compile(**optimizers, recipe=recipe, **keras_args)

    # --------------------------------------------------------------- the math

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        """Maps generator inputs [B, spec.input_dim] to float32 images, whatever G's precision."""
        return ops.cast(self.generator(inputs, training=training), "float32")

    def unpack_batch(self, data: Any) -> tuple[Any, dict[str, Any], Any]:
        """Splits a `fit` batch into real images, the latents to use and the
        labels of the images (None when the batch has none).

        A batch is images, an (images, labels) pair (`fit(x, y)`), or a dict
        with `images`, optionally `labels` and fixed latents (`noise`,
        `categorical`, `continuous`); missing latents are drawn from the spec
        with the model's seed generator. Labels are the classes of the first
        categorical code, -1 where a row has none.
        """
        labels = None
        if isinstance(data, (tuple, list)):
            labels = data[1] if len(data) > 1 else None
            data = data[0]
        given = {}
        if isinstance(data, dict):
            given = {k: data[k] for k in contract.LATENT_DTYPES if k in data}
            labels = data.get("labels", labels)
            data = data["images"]
        real = ops.cast(data, "float32")
        if tuple(real.shape[1:]) != self.image_shape:
            raise ValueError(
                f"Images of shape {tuple(real.shape[1:])} do not fit the networks, which "
                f"expect {self.image_shape}. Resize the data, or build the model for this "
                f"shape with InfoGAN.for_images({tuple(real.shape[1:])}, spec)."
            )
        sampled = self.spec.sample(ops.shape(real)[0], seed=self.seed_generator)
        sampled.update(given)
        return real, sampled, labels

    def fake_images(self, latent: dict[str, Any]) -> Any:
        """G's images for a latent dict, in training mode."""
        return self.call(self.spec.to_input(latent), training=True)

    def q_outputs(self, features: Any, training: bool) -> tuple[Any, Any, Any]:
        """Q's categorical logits, continuous means and bounded log-stds."""
        out = self.q_head(features, training=training)
        k, n = self.spec.total_categories, self.spec.continuous
        return out[:, :k], out[:, k : k + n], losses.bounded_log_std(out[:, k + n :])

    def _info_loss(
        self, fake_features: Any, latent: dict[str, Any], first_code: bool = True
    ) -> tuple[Any, dict[str, Any]]:
        """The info loss on fakes; `first_code=False` leaves the first
        categorical code out (see `discriminator_loss`)."""
        recipe = self.recipe
        logits, mean, log_std = self.q_outputs(fake_features, training=True)
        zero = ops.zeros((), "float32")
        cat, cont, mi = zero, zero, zero
        if self.spec.categorical:
            skip = 0 if first_code else 1
            if self.spec.categorical[skip:]:
                cat = losses.categorical_info_loss(
                    logits[:, sum(self.spec.categorical[:skip]) :],
                    latent["categorical"][:, skip:],
                    self.spec.categorical[skip:],
                    recipe.categorical_loss,
                )
            mi = losses.categorical_mi_lower_bound(logits, latent["categorical"], self.spec.categorical)
        if self.spec.continuous:
            cont = losses.continuous_info_loss(
                mean, log_std, latent["continuous"], recipe.continuous_loss, recipe.fixed_std
            )
        weighted = recipe.categorical_weight * cat + recipe.continuous_weight * cont
        return weighted, {"info_loss": weighted, "info_categorical": cat, "info_continuous": cont, "mi_lower_bound": mi}

    def discriminator_loss(
        self, real: Any, fake: Any, latent: dict[str, Any], labels: Any = None
    ) -> tuple[Any, dict[str, Any]]:
        """D's loss on real images and (gradient-stopped) fakes; with `labels`,
        also Q's cross-entropy on the labelled real images and, with the IIC
        term, on the unlabelled ones augmented against Q's confident readings
        of them as they are (self-training, which carries the labels on).

        With labels, Q learns the first categorical code from real images
        only (the labels, and the IIC term): trained on fakes too, Q can read
        G's images of class k as another value than real ones and keep G at a
        permutation of the classes. G is still trained to make Q read its code.
        """
        recipe = self.recipe
        real_features = self.discriminator_trunk(real, training=True)
        real_logits = self.d_head(real_features, training=True)
        fake_features = self.discriminator_trunk(fake, training=True)
        fake_logits = self.d_head(fake_features, training=True)
        loss = self.adversarial.discriminator_loss(real_logits, fake_logits)
        logs = {}
        if recipe.penalty_weight:
            points = penalties.penalty_points(recipe.gradient_penalty, real, fake, self.seed_generator)
            penalty = self.gradient_penalty(points)
            loss = loss + recipe.penalty_weight * penalty
            logs["gradient_penalty"] = penalty
        if recipe.info_trains_trunk:
            info, _ = self._info_loss(fake_features, latent, first_code=labels is None or not recipe.supervised_weight)
            loss = loss + info
        read_real = recipe.iic_weight or (labels is not None and recipe.supervised_weight)
        real_reading = self.q_outputs(real_features, training=True)[0] if read_real else None
        if recipe.iic_weight:
            if recipe.iic_augmentation == "auto":
                raise ValueError(
                    "iic_augmentation='auto' is decided by fit from the training images; train with fit, "
                    f"or compile with one of {list(augment.AUGMENTATIONS)}."
                )
            augmented = augment.AUGMENTATIONS[recipe.iic_augmentation](real, self.seed_generator)
            augmented_reading = self.q_outputs(self.discriminator_trunk(augmented, training=True), training=True)[0]
            iic = losses.invariant_information_loss(real_reading, augmented_reading, self.spec.categorical)
            loss = loss + recipe.iic_weight * iic
            logs["iic_mi"] = -iic
            if labels is not None and recipe.self_training_weight:
                k = self.spec.categorical[0]
                self_training = losses.confident_cross_entropy(augmented_reading[:, :k], real_reading[:, :k], labels)
                loss = loss + recipe.self_training_weight * self_training
                logs["self_training_loss"] = self_training
        if labels is not None and recipe.supervised_weight:
            supervised = losses.labelled_cross_entropy(real_reading[:, : self.spec.categorical[0]], labels)
            loss = loss + recipe.supervised_weight * supervised
            logs["supervised_loss"] = supervised
        threshold = self.adversarial.decision_threshold
        logs.update(
            d_loss=loss,
            d_acc_real=ops.mean(ops.cast(real_logits > threshold, "float32")),
            d_acc_fake=ops.mean(ops.cast(fake_logits < threshold, "float32")),
        )
        return loss, logs

    def gradient_penalty(self, points: Any) -> Any:
        """The recipe's penalty (unweighted) on D's input gradient at `points`,
        differentiable in D's weights.

        D runs in training mode, as in its loss; with batch norm, its
        statistics come from `points` and couple their gradients, and its
        moving statistics are left as they are.
        """
        return penalties.gradient_penalty(self.recipe.gradient_penalty, backend.input_gradient(self._critic_total, points))

    def _critic_total(self, images: Any) -> Any:
        """D's summed output on `images`, without updating D's state."""
        variables = self.discriminator_trunk.variables + self.d_head.variables
        with keras.StatelessScope(state_mapping=[(v, v.value) for v in variables]):
            return ops.sum(self.d_head(self.discriminator_trunk(images, training=True), training=True))

    def critic_latents(self, real: Any) -> dict[str, Any]:
        """Fresh latents for an extra D update (`n_critic` > 1) on the batch `real`."""
        return self.spec.sample(ops.shape(real)[0], seed=self.seed_generator)

    def generator_loss(self, fake: Any, latent: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """G and Q's loss: fool D and keep the codes recoverable by Q."""
        features = self.discriminator_trunk(fake, training=True)
        fake_logits = self.d_head(features, training=True)
        info, logs = self._info_loss(features, latent)
        loss = self.adversarial.generator_loss(fake_logits) + info
        logs["g_loss"] = loss
        return loss, logs

    def update_metrics(self, logs: dict[str, Any]) -> dict[str, Any]:
        """Feeds a step's figures to the trackers; returns the running means of
        the figures this step logs."""
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items() if name in logs}

    def train_step(self, *args):
        return backend.train_step(self, *args)

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit`; first, `iic_augmentation="auto"` is decided from
        the images of `x` (the first batch of a dataset, which moves a
        dataset that reshuffles each pass on by one pass), and labels given
        as `y` are checked (a dataset's labels are not: a value outside the
        code's range would only add nothing to the loss), as is the critic
        (`penalties.check_critic`; a model that only loads and generates is
        not refused)."""
        self._prepare_training(x, kwargs.get("y", args[0] if args else None))
        with self._device_scope():
            return super().fit(x, *args, **kwargs)

    def train_on_batch(self, x=None, *args, **kwargs):
        """`keras.Model.train_on_batch`, with `fit`'s decisions and checks first."""
        self._prepare_training(x, kwargs.get("y", args[0] if args else None))
        return super().train_on_batch(x, *args, **kwargs)

    def _prepare_training(self, data: Any, labels: Any) -> None:
        """What `fit` and `train_on_batch` settle before training: the "auto"
        augmentation, and a ValueError in one line for labels or a critic
        (`penalties.check_critic`) the recipe cannot train."""
        self._resolve_augmentation(data)
        self._check_labels(labels)
        if getattr(self, "recipe", None) is not None:
            penalties.check_critic(self.recipe.gradient_penalty, self.discriminator_trunk)

    def _check_labels(self, labels: Any) -> None:
        """A ValueError in one line for labels `fit` cannot train with."""
        if labels is None or getattr(self, "recipe", None) is None:
            return
        if not self.spec.categorical:
            raise ValueError("fit got labels (y), which steer the first categorical code, but the spec has none.")
        if not self.recipe.info_trains_trunk:
            raise ValueError("Labels train Q's head in D's update, which needs info_trains_trunk=True; set it, or leave y out.")
        if hasattr(labels, "shape"):
            class_labels.check_labels(ops.convert_to_numpy(labels), self.spec.categorical[0])

    def _resolve_augmentation(self, data: Any) -> None:
        """Replaces an "auto" IIC augmentation with the one `data.kinds.describe`
        picks for the training images; `self.data_kind` says why."""
        recipe = getattr(self, "recipe", None)
        if recipe is None or not recipe.iic_weight or recipe.iic_augmentation != "auto":
            return
        self.data_kind = kinds.describe(_images_of(data))
        self.recipe = dataclasses.replace(recipe, iic_augmentation=self.data_kind.augmentation)

    # ---------------------------------------------------------- generate/encode

    def latent_inputs(
        self,
        noise: Any = None,
        categorical: Any = None,
        continuous: Any = None,
        n: int | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Checks given codes and draws the missing ones; returns numpy arrays."""
        spec = self.spec
        given = {}
        for key, value, width in (
            ("noise", noise, spec.noise_dim),
            ("categorical", categorical, spec.n_categorical),
            ("continuous", continuous, spec.continuous),
        ):
            if value is None:
                continue
            if width == 0:
                raise ValueError(f"The spec has no {key} part; leave `{key}` out.")
            arr = np.asarray(value)
            if arr.ndim != 2 or arr.shape[1] != width:
                raise ValueError(f"`{key}` must have shape [N, {width}], got {arr.shape}.")
            given[key] = arr
        sizes = {arr.shape[0] for arr in given.values()} | ({n} if n is not None else set())
        if len(sizes) > 1:
            raise ValueError(f"The given codes and `n` disagree on the batch size: {sorted(sizes)}.")
        n = sizes.pop() if sizes else 1
        if n < 1:
            raise ValueError(f"Nothing to generate: the batch size is {n}; ask for at least one image.")
        if "categorical" in given:
            cat = given["categorical"] = self._category_indices(given["categorical"])
            for i, k in enumerate(spec.categorical):
                if cat[:, i].min() < 0 or cat[:, i].max() >= k:
                    message = contract.categorical_range_message(i, k)
                    raise ValueError(f"{message}, got {cat[:, i].min()}..{cat[:, i].max()}.")
        drawn = spec.sample(n, seed=keras.random.SeedGenerator(seed))
        latent = {k: np.asarray(ops.convert_to_numpy(v)) for k, v in drawn.items()}
        latent.update(given)
        return {k: v.astype(contract.LATENT_DTYPES[k]) for k, v in latent.items()}

    def _category_indices(self, cat: np.ndarray) -> np.ndarray:
        """Categorical codes as indices; the first code's may be class names."""
        if cat.dtype.kind in "USO":
            first = [class_labels.class_index(v, self.class_names, self.spec.categorical[0]) for v in cat[:, 0]]
            try:
                cat = np.concatenate([np.asarray(first)[:, None], cat[:, 1:].astype("int64")], axis=1)
            except ValueError:
                raise ValueError("Only the first categorical code takes class names; give the others as indices.") from None
        if not np.issubdtype(cat.dtype, np.integer):
            raise ValueError("`categorical` holds category indices (or the first code's class names) and must be integers.")
        return cat

    def generate(
        self,
        noise: Any = None,
        categorical: Any = None,
        continuous: Any = None,
        n: int | None = None,
        seed: int | None = None,
        batch_size: int = 256,
    ) -> np.ndarray:
        """Images in [0, 1] for given codes; what is not given is sampled.

        Args:
            noise: [N, noise_dim] floats.
            categorical: [N, n_categorical] category indices; the first
                code's may be given by class name (`class_names`).
            continuous: [N, n_continuous] floats.
            n: the batch size when no code is given.
            seed: seed for the parts that are sampled.
            batch_size: images per call of the generator.
        """
        latent = self.latent_inputs(noise, categorical, continuous, n, seed)
        x = ops.convert_to_numpy(self.spec.to_input(latent))
        out = [
            ops.convert_to_numpy(self.call(x[i : i + batch_size], training=False))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(out, axis=0)

    def encode_tensors(self, images: Any) -> dict[str, Any]:
        """Q's reading of images, as backend tensors (used by `encode` and export)."""
        features = self.discriminator_trunk(images, training=False)
        logits, mean, log_std = self.q_outputs(features, training=False)
        out = {}
        if self.spec.categorical:
            blocks = losses.split_categorical(logits, self.spec.categorical)
            out["categorical"] = ops.stack([ops.cast(ops.argmax(b, axis=1), "int32") for b in blocks], axis=1)
            out["categorical_probs"] = ops.concatenate([ops.softmax(b, axis=1) for b in blocks], axis=1)
        if self.spec.continuous:
            if self.compiled and self.recipe.continuous_loss == "fixed_std":
                log_std = ops.full_like(mean, np.log(self.recipe.fixed_std))
            out["continuous"] = mean
            out["continuous_std"] = ops.exp(log_std)
        return out

    def encode(self, images: Any, batch_size: int = 256) -> dict[str, np.ndarray]:
        """Q's codes for images in [0, 1]: `categorical` (most likely value per
        code), `categorical_probs` (softmax per code, concatenated),
        `continuous` (mean) and `continuous_std`."""
        images = np.asarray(images, dtype="float32")
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"encode expects images of shape [N, {', '.join(map(str, self.image_shape))}], got {images.shape}.")
        if len(images) == 0:
            raise ValueError("encode got no images (N = 0); pass at least one.")
        return self._encode_in_batches(images, batch_size)

    def _encode_in_batches(self, inputs: np.ndarray, batch_size: int) -> dict[str, np.ndarray]:
        """`encode_tensors` over `inputs` in batches, as numpy arrays."""
        parts = [
            {k: ops.convert_to_numpy(v) for k, v in self.encode_tensors(inputs[i : i + batch_size]).items()}
            for i in range(0, len(inputs), batch_size)
        ]
        return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}

    # -------------------------------------------------------------- serialize

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator_trunk": keras.saving.serialize_keras_object(self.discriminator_trunk),
                "spec": keras.saving.serialize_keras_object(self.spec),
                "q_hidden": self.q_hidden,
                "seed": self.seed,
                "weight_init": self.weight_init,
                "class_names": None if self.class_names is None else list(self.class_names),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "InfoGAN":
        config = dict(config)
        for key in ("generator", "discriminator_trunk"):
            config[key] = keras.saving.deserialize_keras_object(devices.batch_norm_as_built_here(config[key]))
        config["spec"] = keras.saving.deserialize_keras_object(config["spec"])
        return cls(**config)


def _images_of(data: Any) -> np.ndarray:
    """Training images from what `fit` takes: arrays, (x, y) tuples, dicts with
    `images`, a `tf.data.Dataset` or a `keras.utils.PyDataset` (first batch)."""
    if hasattr(data, "take") and hasattr(data, "element_spec"):  # tf.data.Dataset
        data = next(iter(data.take(1)))
    elif isinstance(data, keras.utils.PyDataset):
        data = data[0]
    if isinstance(data, (tuple, list)):
        data = data[0]
    if isinstance(data, dict):
        data = data["images"]
    if data is None or not hasattr(data, "shape"):
        raise ValueError(
            "iic_augmentation='auto' is decided from the training images, which fit could not read from "
            f"{type(data).__name__}; compile with iic_augmentation set (see keras_infogan.data.kinds.describe)."
        )
    return np.asarray(ops.convert_to_numpy(data))
