"""HTTP: City administration and the fleet."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import admin, fleet, verifier

app = create_app(admin.router, verifier.router, fleet.router)
handler = lambda_handler(app)
