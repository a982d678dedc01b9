"""ASGI entry point for uvicorn: ``uvicorn server.asgi:app``.

The schema is not migrated here: ``jiefen serve`` migrates once before it starts uvicorn (with
``--workers N`` each process imports this module). Run ``jiefen db upgrade`` first when starting
uvicorn yourself.
"""

from server.app import create_app

app = create_app(migrate=False)
