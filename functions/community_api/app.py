"""HTTP: Community events and the leaderboard."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import community

app = create_app(community.router)
handler = lambda_handler(app)
