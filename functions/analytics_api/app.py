"""HTTP: City analytics from aggregates kept on write."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import analytics

app = create_app(analytics.router)
handler = lambda_handler(app)
