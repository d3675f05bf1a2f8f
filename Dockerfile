# syntax=docker/dockerfile:1
# The portal's container image, and the Salesforce emulator's (target `emulator`, for
# deploy/compose.yaml). Build from the repository root:
#   docker build -t customer-portal .                          (or podman build)
#   docker build --target emulator -t salesforce-emulator .
# Runs as a non-root user (65532) on a read-only root filesystem; /data is the only place it
# writes (mount a volume there). Configuration: PORTAL_* variables or a file at
# PORTAL_CONFIG (see portal.example.toml and the README's "Deploy" section).
# The base images are arguments, for mirrors and for scripts/check-image, which builds the
# runtime stages on a Debian base made with debootstrap and binaries built outside.

ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

# The web app: a static bundle.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build && mkdir -p /out && mv dist /out/web

# The release binaries (fat LTO: about 5 minutes on two cores, docs/decisions/011).
FROM ${RUST_IMAGE} AS backend
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY backend backend
COPY crates crates
RUN cargo build --release --locked -p portal -p salesforce-emulator \
    && mkdir -p /out/data \
    && cp target/release/portal target/release/salesforce-emulator /out/

# The Salesforce emulator, seeded with the demo data: for the compose stack and trials only.
FROM ${RUNTIME_IMAGE} AS emulator
COPY --from=backend /out/salesforce-emulator /app/salesforce-emulator
COPY backend/mocks /app/mocks
ENV SF_EMULATOR_LISTEN=0.0.0.0:8090 \
    SF_EMULATOR_FIXTURES=/app/mocks/salesforce \
    SF_EMULATOR_USERS=/app/mocks/local_accounts.json
USER 65532:65532
EXPOSE 8090
ENTRYPOINT ["/app/salesforce-emulator"]

# The portal (the default target).
FROM ${RUNTIME_IMAGE} AS portal
COPY --from=backend /out/portal /app/portal
COPY --from=web /out/web /app/web
# The mock store's fixtures and demo sign-ins: the portal's data when backend = "mock".
COPY backend/mocks /app/mocks
COPY portal.example.toml /app/portal.example.toml
# The data directory (case journal, audit log, lock), owned by the user the portal runs as.
COPY --from=backend --chown=65532:65532 /out/data /data
ENV PORTAL_LISTEN=0.0.0.0:8000 \
    PORTAL_WEB_DIR=/app/web \
    PORTAL_DATA_DIR=/data \
    PORTAL_MOCK__FIXTURES_DIR=/app/mocks/salesforce \
    PORTAL_MOCK__LOCAL_ACCOUNTS_FILE=/app/mocks/local_accounts.json
USER 65532:65532
EXPOSE 8000
VOLUME ["/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=6s --start-period=10s --retries=3 \
    CMD ["/app/portal", "healthcheck"]
ENTRYPOINT ["/app/portal"]
CMD ["serve"]
