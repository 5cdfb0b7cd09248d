"""HTTP: City administration, the fleet and CSV exports."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import admin, exports, fleet, verifier

app = create_app(admin.router, verifier.router, fleet.router, exports.router)
handler = lambda_handler(app)
