"""`python -m bot.cli`: the `briefbot` command without its console script."""

from bot.cli.main import main

raise SystemExit(main())
