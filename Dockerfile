# syntax=docker/dockerfile:1

# Build a static binary: no cgo, no paths from the build machine.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/plenary ./cmd/plenary \
 && mkdir -p /out/data

# distroless/static has CA certificates and a nonroot user, and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/plenary /plenary
# The volume's mount point must belong to nonroot, or the index cannot be written.
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot
# Models downloaded for --embedder hf:... go to the volume too, so that a new
# container does not download them again.
ENV PLENARY_DATA=/data PLENARY_ADDR=0.0.0.0:8080 PLENARY_CACHE=/data/cache
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/plenary", "healthcheck"]
ENTRYPOINT ["/plenary"]
CMD ["serve"]
