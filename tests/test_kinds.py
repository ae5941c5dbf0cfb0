"""Which kind of images a dataset holds, and the IIC augmentation auto picks for it."""

import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan.data.kinds import describe

pytestmark = pytest.mark.once


def test_marks_on_a_dark_ground_get_affine_stroke():
    images, _ = ki.data.load_arrays(ki.data.make_shapes(200, seed=0)[0])
    kind = describe(images)
    assert (kind.name, kind.augmentation, kind.validated_on) == ("marks on a dark ground", "affine_stroke", "MNIST")
    assert "1 channel of grey" in kind.reason


def test_greyscale_objects_get_crop_flip_jitter():
    images = np.random.default_rng(0).uniform(0.2, 0.8, (50, 16, 16, 1)).astype("float32")
    kind = describe(images)
    assert (kind.name, kind.augmentation) == ("greyscale objects", "crop_flip_jitter")
    assert describe(np.repeat(images, 3, axis=-1)).name == "greyscale objects"  # grey stored as RGB


def test_colour_images_are_said_to_be_unmeasured():
    images = np.random.default_rng(0).uniform(size=(50, 16, 16, 3)).astype("float32")
    kind = describe(images)
    assert (kind.name, kind.augmentation, kind.validated_on) == ("colour images", "crop_flip_jitter", None)
    assert "not yet measured on such data" in kind.summary("crop_flip_jitter")
    assert "for which auto picks crop_flip_jitter" in kind.summary("affine_stroke")
