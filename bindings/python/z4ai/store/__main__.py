"""``python3 -m z4ai.store ...`` (what ``z4ai store ...`` runs)."""
import sys

from .cli import main

sys.exit(main())
