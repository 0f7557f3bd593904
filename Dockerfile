# Build: compile the component in the official Rust image.
FROM rust:1-slim-bookworm AS build
WORKDIR /build
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src ./src
COPY lib ./lib
COPY spec ./spec
RUN cargo build --release --locked --bin gotowebinar

# Run: a small image with the binary, the manifest and the two commands the platform runs.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home /home/node component
COPY --from=build /build/target/release/gotowebinar /usr/local/bin/gotowebinar
COPY component.json /home/node/component.json
RUN printf '#!/bin/sh\nexec /usr/local/bin/gotowebinar sail "$@"\n' > /usr/local/bin/sail \
    && printf '#!/bin/sh\nexec /usr/local/bin/gotowebinar serve "$@"\n' > /usr/local/bin/serve \
    && chmod 0755 /usr/local/bin/sail /usr/local/bin/serve
WORKDIR /home/node
USER component
ENV LOG_LEVEL=info
CMD ["sail"]
