# Production image: one image for web, worker and beat (the command differs, see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango (and HarfBuzz subsetting); DejaVu gives PDFs a predictable font; backups
# need pg_dump and pg_restore (postgresql-client, the same major version as the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core shared-mime-info \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the hashed runtime lock alone, so code changes do not reinstall them.
COPY requirements/base.lock requirements/
RUN pip install --require-hashes -r requirements/base.lock

COPY . .
RUN pip install --no-deps .

# Static files are baked into the image and served by WhiteNoise. A throwaway SECRET_KEY, so no
# real secret ends up in a layer; collectstatic does not touch the database.
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput -v 0

# Run unprivileged; var/ holds the beat schedule and attachments (a volume in compose).
RUN useradd --system --uid 1000 --home-dir /app qms \
    && mkdir -p var/attachments var/mail \
    && chown -R qms:qms var
USER qms

EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "qms.wsgi", "-c", "gunicorn.conf.py"]
