#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main() -> None:
    from union.cli import main as cli_main

    cli_main(sys.argv)


if __name__ == "__main__":
    main()
