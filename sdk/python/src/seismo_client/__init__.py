"""seismo-client: send requests, business metrics and logs to Seismo without slowing the app.

``SeismoClient`` (threads) and ``AsyncSeismoClient`` (asyncio) queue events and send them in
batches from a background thread; ``client.flask(app, svc)``, ``client.django(app, svc)`` and
``client.asgi(app, svc)`` (or ``ASGIMiddleware``) record every request a web app serves.
"""

from seismo_client.aio import AsyncSeismoClient
from seismo_client.asgi import ASGIMiddleware
from seismo_client.client import SeismoClient
from seismo_client.propagation import CALLER_HEADER, caller_headers
from seismo_client.retry import RetryPolicy
from seismo_client.sender import Stats

__all__ = [
    "CALLER_HEADER",
    "ASGIMiddleware",
    "AsyncSeismoClient",
    "RetryPolicy",
    "SeismoClient",
    "Stats",
    "caller_headers",
]
