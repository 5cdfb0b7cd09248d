"""HTTP: The cities that take sign-ups, and the city's staff: invitations, roles and disabled accounts."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import accounts

app = create_app(accounts.router)
handler = lambda_handler(app)
