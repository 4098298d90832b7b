"""`python -m reportedly`: the same CLI as the `reportedly` command."""

from reportedly.cli import main

main()
