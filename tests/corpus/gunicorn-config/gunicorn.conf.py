# Gunicorn configuration, see https://docs.gunicorn.org/en/stable/settings.html
import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", "0.0.0.0:8000")

# (2 x cores) + 1 is gunicorn's rule of thumb; cap it, containers often
# report the host's core count
workers = int(os.getenv("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 4)))
worker_class = "uvicorn_worker.UvicornWorker"

timeout = 60
graceful_timeout = 20
keepalive = 5

# log to stdout/stderr so `docker logs` shows everything
accesslog = "-"
errorlog = "-"
loglevel = os.getenv("LOG_LEVEL", "info")

# /dev/shm instead of the container's overlay fs for worker heartbeats
worker_tmp_dir = "/dev/shm"
