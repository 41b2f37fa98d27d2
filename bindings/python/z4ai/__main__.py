"""``python -m z4ai ...`` runs the bundled z4ai command-line tool."""
import sys

from ._cli import main

sys.exit(main())
