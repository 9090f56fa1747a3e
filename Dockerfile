# The llm-preflight CLI as an image, for a Kubernetes init container or a CI job outside GitHub Actions:
#   docker run --rm ghcr.io/<owner>/llm-preflight:1 http://vllm-server:8000 --model Qwen/Qwen2.5-0.5B-Instruct
# dist/cli/ is self-contained (ncc bundles every dependency), so the image holds Node and that directory only;
# test/dist/dockerfile.test.ts runs the CLI from exactly what these COPY lines copy.
FROM node:24-alpine

ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="llm-preflight" \
      org.opencontainers.image.description="Wait for a self-hosted OpenAI-compatible LLM server, verify it serves your model, and name the cause when it is not ready." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/llm-preflight/llm-preflight" \
      org.opencontainers.image.documentation="https://github.com/llm-preflight/llm-preflight#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

WORKDIR /opt/llm-preflight
COPY LICENSE dist/licenses.txt ./
COPY dist/cli/ ./cli/

# The image's own unprivileged user: the CLI needs no root, and a pod security policy may forbid it.
USER node
ENTRYPOINT ["node", "/opt/llm-preflight/cli/index.js"]
