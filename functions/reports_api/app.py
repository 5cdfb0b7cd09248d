"""HTTP: Litter reports: create, list, nearby, votes, history."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import reports

app = create_app(reports.router)
handler = lambda_handler(app)
