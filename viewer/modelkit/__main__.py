"""``python -m viewer.modelkit build|train …``, the same as ``lightbox model …``."""

import sys

from viewer.modelkit.cli import main

sys.exit(main())
