"""``python -m bench.pwa``: see bench/pwa/run.py."""

import sys

from bench.pwa.run import main

sys.exit(main())
