"""``python -m ftorm``: the same as the ``ftorm`` command."""

from ftorm.cli import main

raise SystemExit(main())
