"""The staff web app: FastAPI + server-rendered Jinja2 templates (``create_app``)."""
