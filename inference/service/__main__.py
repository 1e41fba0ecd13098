"""`python -m inference.service`: the same as `triage serve`."""

import sys

from inference.service.cli import main

if __name__ == "__main__":
    sys.exit(main())
