FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
RUN pip install --no-cache-dir .
ENV DOCKETLINE_DATA_DIR=/data
VOLUME ["/data"]
CMD ["docketline", "--help"]
