"""``python -m qms.auditpack.renderer CSS BASE_URL``: one renderer process of an audit pack (see
``renderers.py``). A module of its own, so running it does not import ``renderers`` twice."""

import sys

from .renderers import main

if __name__ == "__main__":
    main(*sys.argv[1:3])
