"""HTTP: Open311 GeoReport v2 for city CRMs."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import open311

app = create_app(open311.router)
handler = lambda_handler(app)
