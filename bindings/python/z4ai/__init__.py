"""z4ai: lossless compression for neural-network weights (Python binding)."""
from . import z4ai_swig as _native

__version__: str = _native.version_string()
