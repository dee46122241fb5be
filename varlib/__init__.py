"""varlib: the computing library under the Trainability Book.

One module per concept; public names are re-exported here.
"""
__version__ = "0.1.0"

from varlib.activations import ACTIVATIONS, Activation, get_activation, maxout_second_moment  # noqa: E402,F401
from varlib.runtime import provenance, resolve_device, setup  # noqa: E402,F401
