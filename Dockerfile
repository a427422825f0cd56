# Trunkline in a container: build with the Rust toolchain, run on Debian slim.
#
#   docker build -t trunkline .
#   docker run --network host \
#     -v /etc/trunkline:/etc/trunkline:ro -v trunkline-data:/var/lib/trunkline \
#     --env-file /etc/trunkline/trunkline.env --stop-timeout 60 trunkline
#
# --stop-timeout: on SIGTERM serve hangs up live calls with BYE and
# un-REGISTERs, which takes longer than Docker's default 10 s.
#
# RTP: every call takes a UDP port pair from [rtp] port_min..port_max and the
# SDP names this host's address, so run with `--network host` (simplest), or
# publish the whole range on the same numbers and set [sip] external_address
# to the host's public IP:
#   -p 5060:5060/udp -p 10000-10999:10000-10999/udp -p 127.0.0.1:8080:8080
# (with [rtp] port_min = 10000, port_max = 10999, [http] bind = "0.0.0.0:8080").
# Publishing thousands of ports through docker-proxy is slow: keep the range small.
# More in deploy/README.md.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p dialer-api \
    && install -m 0755 target/release/trunkline /usr/local/bin/trunkline

FROM debian:bookworm-slim
# ca-certificates: wss:// handlers and HTTPS webhooks. libcap2-bin only long
# enough to let the binary bind port 5060 as a non-root user (Docker grants
# NET_BIND_SERVICE by default; --security-opt no-new-privileges would void it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libcap2-bin \
    && groupadd --system --gid 10001 trunkline \
    && useradd --system --uid 10001 --gid trunkline --home-dir /var/lib/trunkline \
       --create-home --shell /usr/sbin/nologin trunkline \
    && mkdir -p /etc/trunkline \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /usr/local/bin/trunkline /usr/local/bin/trunkline
COPY deploy/alienvoip.example.toml /etc/trunkline/trunkline.toml
RUN setcap cap_net_bind_service=+ep /usr/local/bin/trunkline \
    && apt-get purge -y libcap2-bin \
    && apt-get autoremove -y
USER trunkline
WORKDIR /var/lib/trunkline
VOLUME ["/var/lib/trunkline"]
EXPOSE 5060/udp 8080/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/trunkline"]
CMD ["serve", "--config", "/etc/trunkline/trunkline.toml"]
