#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main() -> None:
    import os

    # manage.py is the tool of a checkout: without SECRET_KEY it uses a development key.
    # Deployments use the ``unioncat`` script, which insists on a real one.
    os.environ.setdefault("UNIONCAT_DEV", "1")
    from config.cli import main as cli_main

    cli_main(sys.argv)


if __name__ == "__main__":
    main()
