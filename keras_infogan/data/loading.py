"""Reading images from anywhere and turning them into a `fit`-ready pipeline.

Sources: the embedded `shapes` data, a TFDS name, a Keras-layout `.npz`
file, a folder of images, or numpy arrays. Every source ends as a shuffled,
batched, prefetched `tf.data.Dataset` of float32 images in [0, 1] (the
generators' sigmoid range), which `fit` accepts on every backend.
"""

from __future__ import annotations

import os
import socket
import warnings
from typing import Any

import numpy as np

from keras_infogan.data import shapes

__all__ = ["IMAGE_SUFFIXES", "class_names", "image_files", "load", "load_arrays", "read_folder", "to_unit_range"]

TFDS_NAMES = ("mnist", "fashion_mnist", "svhn_cropped", "celeb_a")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
SHAPES_SIZE = 20000
TFDS_HOST = "storage.googleapis.com"


def load_arrays(
    source: Any,
    split: str = "train",
    image_size: tuple[int, int] | None = None,
    data_dir: str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Reads a source into memory.

    Args:
        source: `"shapes"`, a TFDS name, a path to a `.npz` file or an image
            folder, or a numpy array of images.
        split: `"train"` or `"test"` (npz keys `x_train` / `x_test`).
        image_size: `(height, width)` to resize to (a folder of mixed sizes
            is otherwise resized to the size most of its images have).
        data_dir: TFDS data folder.

    Returns:
        `(images, labels)`: float32 images [N, H, W, C] in [0, 1], and the
        labels (or shapes factors [N, 5]) when the source has them, else None.
    """
    labels = None
    if isinstance(source, np.ndarray):
        images = source
    elif not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"Cannot load data from a {type(source).__name__}: pass 'shapes', a TFDS name, "
            "a path to a .npz file or an image folder, or a numpy array."
        )
    elif str(source) == "shapes":
        images, factors = shapes.make_shapes(SHAPES_SIZE, seed=0 if split == "train" else 1)
        labels = shapes.factor_matrix(factors)
    elif str(source).endswith(".npz"):
        images, labels = _read_npz(str(source), split)
    elif os.path.isdir(source):
        images, _ = read_folder(str(source), image_size)
    elif os.path.sep in str(source) or os.path.exists(source):
        raise ValueError(
            f"No such dataset file or folder: {source!r}. Pass an existing .npz file or a "
            "folder of images."
        )
    else:
        images, labels = _read_tfds(str(source), split, data_dir)
    images = to_unit_range(images)
    if image_size is not None and images.shape[1:3] != tuple(image_size):
        images = _resize(images, image_size)
    return images, labels


def class_names(source: Any) -> list[str] | None:
    """The names of a source's classes, in label order, where it has them: the
    shapes data's shapes, a TFDS dataset's `label` names, or a Keras-layout
    `.npz` file's `class_names` array; else None."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    if str(source) == "shapes":
        return list(shapes.SHAPES)
    if str(source).endswith(".npz"):
        with np.load(str(source)) as f:
            return [str(name) for name in f["class_names"]] if "class_names" in f else None
    if os.path.exists(source):
        return None
    import tensorflow_datasets as tfds

    try:
        label = tfds.builder(str(source)).info.features.get("label")
    except Exception:  # Not a TFDS name: `load_arrays` says so.
        return None
    return list(label.names) if getattr(label, "names", None) else None


def load(
    source: Any,
    batch_size: int = 128,
    split: str = "train",
    shuffle: bool = True,
    seed: int | None = None,
    image_size: tuple[int, int] | None = None,
    data_dir: str | None = None,
):
    """A shuffled, batched, prefetched `tf.data.Dataset` of images in [0, 1].

    Batches keep a fixed size (the last partial batch is dropped), so steps
    compile once and batch norm never sees a tiny batch.

    Example:

    >>> ds = load("shapes", batch_size=64)
    >>> tuple(next(iter(ds)).shape)
    (64, 28, 28, 1)
    """
    import tensorflow as tf

    images, _ = load_arrays(source, split, image_size, data_dir)
    if len(images) < batch_size:
        raise ValueError(
            f"The data has {len(images)} images, fewer than one batch of {batch_size}: "
            "lower batch_size or add data."
        )
    stored = np.round(images * 255).astype(np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(stored)
    if shuffle:
        ds = ds.shuffle(len(stored), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda x: tf.cast(x, tf.float32) / 255.0, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """Checks images and scales them to float32 [N, H, W, C] in [0, 1].

    uint8 data is divided by 255; float data must already lie in [0, 1] or
    [0, 255]. Grayscale [N, H, W] gains a channel axis.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"Images must be [N, H, W] or [N, H, W, C] with C in 1, 3 or 4, got shape "
            f"{images.shape}."
        )
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    if not np.issubdtype(images.dtype, np.number):
        raise ValueError(f"Images must be numeric, got dtype {images.dtype}.")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        bad = int(np.count_nonzero(~np.isfinite(images)))
        raise ValueError(
            f"The images hold {bad} NaN or infinite values; clean or drop those images first."
        )
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 255.0:
        raise ValueError(
            f"Image values span [{low:g}, {high:g}]; expected [0, 1] or [0, 255]. "
            "Rescale them (e.g. (x + 1) / 2 for [-1, 1] data)."
        )
    return images / 255.0 if high > 1.0 else images


def _read_npz(path: str, split: str) -> tuple[np.ndarray, np.ndarray | None]:
    if not os.path.isfile(path):
        raise ValueError(f"No such .npz file: {path!r}.")
    key = f"x_{split}"
    with np.load(path) as f:
        if key not in f:
            raise ValueError(
                f"{path} has no {key!r} array (it holds {sorted(f.files)}); a Keras-layout "
                f".npz needs x_train (and x_test, y_train, y_test), as keras.datasets saves."
            )
        labels = f[f"y_{split}"] if f"y_{split}" in f else None
        return f[key], labels


def image_files(path: str) -> list[str]:
    """The image files under the folder `path`, in the order `load_arrays` reads them."""
    return sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(path)
        for name in names
        if name.lower().endswith(IMAGE_SUFFIXES)
    )


def read_folder(path: str, image_size: tuple[int, int] | None = None) -> tuple[np.ndarray, list[str]]:
    """The images of a folder (and its subfolders), uint8 [N, H, W, C], and
    the files they came from, in `image_files` order.

    Images of any mode are read as grey (C = 1) when all of them are grey,
    else as RGB (C = 3); transparent parts are laid on white. They are
    resized (bilinear) to `image_size`, or, without it, to the size most of
    them have. Files that cannot be read as images are skipped with a
    warning that counts them.
    """
    from PIL import Image, UnidentifiedImageError

    files = image_files(path)
    if not files:
        raise ValueError(f"The folder {path!r} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    opened, kept, skipped = [], [], []
    for name in files:
        try:
            with Image.open(name) as im:
                im.load()
                opened.append(im.copy())
            kept.append(name)
        except (UnidentifiedImageError, OSError, ValueError):
            skipped.append(name)
    if skipped:
        warnings.warn(
            f"Skipped {len(skipped)} of {len(files)} files in {path!r} that are not readable images "
            f"(first: {os.path.relpath(skipped[0], path)}).",
            stacklevel=2,
        )
    if not opened:
        raise ValueError(f"None of the {len(files)} image files in {path!r} could be read.")
    grey = all(im.mode in _GREY_MODES for im in opened)
    if image_size is None:
        sizes = [im.size for im in opened]
        width, height = max(set(sizes), key=sizes.count)
    else:
        height, width = image_size
    images = []
    for im in opened:
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = _on_white(im.convert("RGBA"))
        im = im.convert("L" if grey else "RGB")
        if im.size != (width, height):
            im = im.resize((width, height), Image.BILINEAR)
        images.append(np.asarray(im))
    images = np.stack(images)
    return (images[..., None] if grey else images), kept


# PIL modes that hold no colour.
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def _on_white(image: Any) -> Any:
    """An RGBA PIL image laid over a white background (its mode stays RGBA)."""
    from PIL import Image

    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, image)


def _read_tfds(name: str, split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # tfds raises its own DatasetNotFoundError
        raise ValueError(
            f"Unknown dataset {name!r}: not 'shapes', not an existing .npz file or folder, "
            f"and not a TFDS dataset (e.g. {', '.join(TFDS_NAMES)})."
        ) from e
    hint = (
        f"Without a network, use a Keras-layout .npz file instead: "
        f"keras_infogan.data.load('path/to/{name}.npz') or --dataset path/to/{name}.npz."
    )
    # TFDS retries an unreachable download for minutes; fail fast instead.
    if not _tfds_prepared(builder) and not _can_reach(TFDS_HOST):
        raise RuntimeError(
            f"TFDS has no prepared data for {name!r} in {builder.data_dir} and cannot "
            f"download it ({TFDS_HOST} is unreachable). {hint}"
        )
    try:
        ds = tfds.load(name, split=split, data_dir=data_dir, batch_size=-1)
    except Exception as e:
        raise RuntimeError(
            f"TFDS could not load {name!r} ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:200]}). {hint}"
        ) from e
    ds = tfds.as_numpy(ds)
    return ds["image"], ds.get("label")


def _tfds_prepared(builder) -> bool:
    try:
        return bool(builder.is_prepared())
    except Exception:
        return False


def _can_reach(host: str, timeout: float = 5.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _resize(images: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    import tensorflow as tf

    return tf.image.resize(images, image_size, antialias=True).numpy().clip(0.0, 1.0)
