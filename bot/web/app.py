"""All of the web's routes in one list, for the ASGI app `bot.webhook.build_web_app` makes.

Each part of the web (the chat socket, the widget, the desk) has its own module and adds its routes here.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.bootstrap import Services
from bot.web.desk import desk_routes
from bot.web.desk_live import desk_live_routes
from bot.web.socket import chat_routes
from bot.web.widget import widget_routes


def web_routes(services: Services) -> list[BaseRoute]:
    """The web's routes, served when pages are allowed to use them (KAARI_WEB_ORIGINS)."""
    return [*chat_routes(services), *desk_routes(services), *widget_routes(services), *desk_live_routes(services)]
