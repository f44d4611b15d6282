"""The `tongxin` command: a thin front for manage.py.

`tongxin serve`, `tongxin demo` and every Django command (migrate,
createsuperuser, …) are management commands; see `tongxin help`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "tongxin"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
