"""Route modules of the web app. Every module here that defines ``router: APIRouter`` is
included by ``dashboard.app.create_app`` (no list to edit)."""
