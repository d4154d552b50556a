# syntax=docker/dockerfile:1
# Indgang image: one image, several roles chosen by the subcommand
#   docker run IMAGE migrate | worker | api --host 0.0.0.0 --port 8080 | run
# Health checks live in docker-compose.yml (the worker and the api need different ones).

########################################################################################
# Build stage: install the project and its dependencies into a self-contained virtualenv.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so that a code change does not
# reinstall scikit-learn, faust and friends (this layer stays cached).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the project itself (non-editable; packages and package data per pyproject.toml).
COPY . .
RUN pip install .

########################################################################################
# Runtime stage: the virtualenv only, no sources, no build tools, not root.
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN groupadd --system --gid 10001 indgang \
    && useradd --system --uid 10001 --gid indgang --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin indgang

COPY --from=build /opt/venv /opt/venv

# Settings.data_dir defaults to the relative path "var": give it a writable home.
WORKDIR /app
RUN mkdir -p /app/var && chown indgang:indgang /app/var

USER indgang:indgang

EXPOSE 8080

ENTRYPOINT ["indgang"]
CMD ["api", "--host", "0.0.0.0", "--port", "8080"]
