"""One module per `micrograd-beans` subcommand (see micrograd_beans/cli.py)."""
