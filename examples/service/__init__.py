"""The worked FastAPI service over govflow (see app.py and README.md)."""
