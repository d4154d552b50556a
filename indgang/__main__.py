"""Run the CLI with `python -m indgang`."""

from indgang.cli import main

main()
