"""gunicorn settings for production, installed with the app:

    gunicorn -c python:survey.web.gunicorn_conf "survey:create_app()"


Every value can be overridden from the environment. Workers share nothing but the database and,
for rate limits, Redis (RATELIMIT_STORAGE_URI).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"  # threads keep connections alive between a survey's page and its answers
threads = int(os.environ.get("THREADS", "4"))
timeout = int(os.environ.get("TIMEOUT", "60"))  # a 100,000-response PDF takes a few seconds
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("MAX_REQUESTS", "5000"))  # recycle workers: a leak cannot grow
max_requests_jitter = 500
accesslog = None  # the app writes its own request log, with survey tokens redacted
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
