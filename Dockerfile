# shopassist's API image: the pinned environment of requirements.lock (CPU torch), served by `shopassist serve`.
# Used by compose.yaml; the data home (catalog versions, models, trained rankers) is the /data volume.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False SHOPASSIST_HOME=/data
WORKDIR /app
COPY requirements.lock pyproject.toml ./
# As `make install`: torch first (the CPU build), then the lock with --no-deps (nothing re-resolved).
RUN pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install -q --no-deps -r requirements.lock
COPY . .
RUN pip install -q --no-deps --no-build-isolation -e . && useradd --create-home shopassist \
 && mkdir -p /data && chown shopassist /data
USER shopassist
EXPOSE 8000
CMD ["shopassist", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
