"""ASGI entry point for uvicorn: ``uvicorn server.asgi:app``.

The schema is not migrated here: ``jiefen serve`` migrates once before it starts uvicorn (with
``--workers N`` each process imports this module). Run ``jiefen db upgrade`` first when starting
uvicorn yourself.
"""

import sys

from server.app import create_app

app = create_app(migrate=False)


def _ready() -> None:
    print("解纷 Jiefen 已就绪，可以在浏览器中打开。", file=sys.stderr, flush=True)


# After every other start-up step: the port answers once this line is printed.
app.on_startup.append(_ready)
