"""`python run.py` serves Parta for a try-out; use gunicorn 'run:app' in production."""
import os

from app import create_app, settle_memory

app = create_app()
settle_memory()

if __name__ == "__main__":
    app.run(host=os.environ.get("PARTA_HOST", "127.0.0.1"), port=int(os.environ.get("PARTA_PORT", "5000")))
