"""keras-infogan: InfoGAN (Chen et al., 2016) for Keras 3 on TensorFlow, JAX and PyTorch."""

from keras_infogan import data, losses, networks
from keras_infogan.export import export
from keras_infogan.model import InfoGAN
from keras_infogan.spec import LatentSpec

__version__ = "0.1.0"
__all__ = ["InfoGAN", "LatentSpec", "data", "export", "losses", "networks", "__version__"]
