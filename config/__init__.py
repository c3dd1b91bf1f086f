"""The Django project shell: settings read from the environment, the URL map, the Celery app,
health checks, WSGI/ASGI, the ``unioncat`` console entry point and the demo builder. It may
import every app; no app imports it."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
