"""``python -m renewal_cli``: the ``renewal`` command."""

import sys

from renewal_cli.main import main

sys.exit(main())
