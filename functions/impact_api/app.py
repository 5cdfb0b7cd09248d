"""HTTP: impact credits backed by verified cleanups: sponsors' requests, admins' decisions, certificates and
their public verification."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import impact

app = create_app(impact.router)
handler = lambda_handler(app)
