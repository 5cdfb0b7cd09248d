"""HTTP: Community events, the leaderboard and carbon-credit requests."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import community

app = create_app(community.router)
handler = lambda_handler(app)
