# Build: compile the component in the official Rust image.
FROM rust:1-slim-bookworm AS build
WORKDIR /build
# The image ships a stripped binary (symbols only help a debugger, which the image has not), built
# with the `dist` profile: whole-program optimization, a smaller binary and less memory per step.
ENV CARGO_PROFILE_DIST_STRIP=symbols

# Dependencies first, from the manifests and the lock file alone, so that a rebuild after a source
# edit reuses this layer. Every target the manifests declare gets an empty stand-in.
COPY Cargo.toml Cargo.lock ./
COPY lib/connect/Cargo.toml lib/connect/
COPY lib/gotowebinar/Cargo.toml lib/gotowebinar/
COPY lib/jsonkit/Cargo.toml lib/jsonkit/
COPY lib/sailor/Cargo.toml lib/sailor/
COPY lib/sailor-testkit/Cargo.toml lib/sailor-testkit/
COPY lib/sandbox/Cargo.toml lib/sandbox/
COPY lib/tlsroots/Cargo.toml lib/tlsroots/
RUN set -eu; \
    for crate in . lib/*/; do \
        mkdir -p "$crate/src" && : > "$crate/src/lib.rs"; \
    done; \
    echo 'fn main() {}' > src/main.rs; \
    for target in $(sed -n 's/^path = "\(spec\/[^"]*\)"$/\1/p' Cargo.toml) \
                  lib/gotowebinar/benches/pages.rs lib/sailor/benches/crypto.rs; do \
        mkdir -p "$(dirname "$target")" && echo 'fn main() {}' > "$target"; \
    done; \
    cargo build --profile dist --locked --bin gotowebinar; \
    rm -rf src spec lib/*/src lib/*/benches

# The component itself. Touch the sources so cargo rebuilds the workspace crates over the stand-ins.
COPY src ./src
COPY lib ./lib
COPY spec ./spec
RUN find src lib spec -name '*.rs' -exec touch {} + \
    && cargo build --profile dist --locked --bin gotowebinar

# Run: a small image with the binary, the manifest, the CA bundle the binary trusts, and the two
# commands the platform runs. No package manager runs here: everything comes from the build stage.
FROM debian:bookworm-slim
RUN groupadd --gid 1000 component \
    && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/node --shell /usr/sbin/nologin component
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /build/target/dist/gotowebinar /usr/local/bin/gotowebinar
COPY --chown=1000:1000 component.json /home/node/component.json
RUN printf '#!/bin/sh\nexec /usr/local/bin/gotowebinar sail "$@"\n' > /usr/local/bin/sail \
    && printf '#!/bin/sh\nexec /usr/local/bin/gotowebinar serve "$@"\n' > /usr/local/bin/serve \
    && chmod 0755 /usr/local/bin/sail /usr/local/bin/serve
WORKDIR /home/node
USER component
ENV HOME=/home/node LOG_LEVEL=info
CMD ["sail"]
