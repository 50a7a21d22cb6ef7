# syntax=docker/dockerfile:1
# Seismo's one image: every role, chosen by the command (`docker run seismo collector`).
#   docker build -t seismo .
# Stage 1 builds the dashboard UI with Node; stage 2 installs the Python packages from
# requirements.image.lock (the runtime pins of requirements.lock, every one hash-checked)
# and Seismo itself into a virtualenv; the final stage is that virtualenv on a slim Python,
# run as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS ui
WORKDIR /build/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui/ ./
# Vite writes the bundle to ../src/seismo/dashboard/static (see ui/vite.config.ts).
RUN npm run build

FROM ${PYTHON_IMAGE} AS python
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/seismo
COPY requirements.image.lock /build/
RUN /opt/seismo/bin/pip install --require-hashes --no-deps -r /build/requirements.image.lock
COPY pyproject.toml README.md /build/
COPY src/ /build/src/
COPY --from=ui /build/src/seismo/dashboard/static/ /build/src/seismo/dashboard/static/
RUN /opt/seismo/bin/pip install --no-deps --no-build-isolation /build \
    && /opt/seismo/bin/seismo --help > /dev/null

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 seismo \
    && useradd --system --uid 10001 --gid seismo --home-dir /var/lib/seismo --create-home seismo
COPY --from=python /opt/seismo /opt/seismo
ENV PATH=/opt/seismo/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SEISMO_DATA_DIR=/var/lib/seismo
USER 10001:10001
WORKDIR /var/lib/seismo
# collector, dashboard, and the metrics ports of the notifier, aggregator and detector
EXPOSE 4000 8080 9465 9466 9467
# `seismo health` GETs the health route of the role PID 1 runs, at its configured port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["seismo", "health"]
ENTRYPOINT ["seismo"]
CMD ["dashboard"]
