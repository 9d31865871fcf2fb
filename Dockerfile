# trailbrake in a container: build on Debian 12, run on Debian 12 slim.
#   docker build -t trailbrake .
#   docker run -p 20777:20777/udp -p 8080:8080 -v trailbrake:/var/lib/trailbrake trailbrake
# The build stage runs the same commands as a native build (`make build`
# with only the build dependencies installed by tools/deps.sh).

FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY . .
RUN apt-get update -qq \
 && TB_DEPS=build make build \
 && strip build/trailbrake \
 && rm -rf /var/lib/apt/lists/*

FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
# Runtime libraries of the binary (tests/e2e_deploy.sh checks that every
# library the binary links is in this list) and curl for the health check.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
	libsqlite3-0 libzstd1 libmicrohttpd12 libpcap0.8 libjansson4 zlib1g \
	libcurl4 libxgboost0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/trailbrake --create-home \
	--shell /usr/sbin/nologin trailbrake
COPY --from=build /src/build/trailbrake /usr/local/bin/trailbrake
COPY deploy/trailbrake.conf /etc/trailbrake/trailbrake.conf
USER trailbrake
WORKDIR /var/lib/trailbrake
VOLUME /var/lib/trailbrake
# UDP telemetry (F1 and Codemasters default; add ports in the config) and
# the web UI / API.
EXPOSE 20777/udp 8080/tcp
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
	CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["trailbrake", "serve", "--config", "/etc/trailbrake/trailbrake.conf"]
CMD ["--http-bind", "0.0.0.0"]
