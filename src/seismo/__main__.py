"""``python -m seismo`` runs the ``seismo`` command."""

from seismo.cli import main

raise SystemExit(main())
