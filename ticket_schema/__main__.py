"""`python -m ticket_schema` runs the command line."""

import sys

from ticket_schema.cli import main

sys.exit(main())
