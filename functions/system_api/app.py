"""HTTP: /health, /openapi.json, /whoami."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import system

app = create_app(system.router)
handler = lambda_handler(app)
