"""What kind of images a dataset holds, read from its pixels, and the IIC
augmentation that keeps what a class is for that kind.

`iic_augmentation="auto"` resolves through `describe`: marks on a dark
ground (handwriting, drawn shapes) get `affine_stroke`; other images get
`crop_flip_jitter`. `validated_on` names the dataset on which that pairing
was measured (BENCHMARKS.md), or is None where it was not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["DARK", "DataKind", "describe"]

DARK = 0.1  # A pixel below this is background on a dark ground.
BRIGHT = 0.5
# Marks on a dark ground: most pixels dark, few bright (MNIST: 83% and 13%;
# Fashion-MNIST: 55% and 31%).
MOST_DARK, FEW_BRIGHT = 0.75, 0.25
SAMPLE = 2000


@dataclass(frozen=True)
class DataKind:
    """A kind of images, the IIC augmentation for it, and why."""

    name: str
    augmentation: str
    validated_on: str | None
    reason: str

    def summary(self, chosen: str) -> str:
        """One line for a run's start: the IIC term's augmentation `chosen`,
        the kind of data, and whether that pairing was measured."""
        line = f"IIC term: {chosen} augmentation; the data look like {self.name} ({self.reason})"
        if chosen != self.augmentation:
            return f"{line}, for which auto picks {self.augmentation}."
        checked = f"measured on {self.validated_on}" if self.validated_on else "not yet measured on such data"
        return f"{line}: auto's pick, {checked}."

    def get_config(self) -> dict[str, Any]:
        return asdict(self)


def describe(images: Any) -> DataKind:
    """The kind of images [N, H, W, C] in [0, 1], from the first `SAMPLE` of them."""
    images = np.asarray(images[:SAMPLE], dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"describe takes images [N, H, W, C], got shape {images.shape}.")
    channels = images.shape[-1]
    if channels > 1 and np.abs(images[..., :3] - images[..., :1]).max() > 1 / 255:
        return DataKind("colour images", "crop_flip_jitter", None, f"{channels} channels that differ")
    grey = images[..., :1]
    dark, bright = float(np.mean(grey < DARK)), float(np.mean(grey > BRIGHT))
    reason = f"{channels} channel{'s' if channels > 1 else ''} of grey, {dark:.0%} of pixels dark, {bright:.0%} bright"
    if dark >= MOST_DARK and bright <= FEW_BRIGHT:
        return DataKind("marks on a dark ground", "affine_stroke", "MNIST", reason)
    return DataKind("greyscale objects", "crop_flip_jitter", "Fashion-MNIST", reason)
