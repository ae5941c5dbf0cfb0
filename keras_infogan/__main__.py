"""`python -m keras_infogan`: the `keras-infogan` command."""

import sys

from keras_infogan.cli import main

sys.exit(main())
