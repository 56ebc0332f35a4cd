"""`python -m linkledger.infrastructure.cli`: the same as `linkledger`."""

import sys

from linkledger.infrastructure.cli import main

sys.exit(main())
