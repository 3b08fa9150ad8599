# Mercato: one static binary (SQLite is pure Go, no cgo).
# docker build -t mercato . && docker run -p 8080:8080 mercato serve --demo --addr 0.0.0.0:8080
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# pkg/webhook is a module of its own, replaced by its directory in go.mod.
COPY pkg/webhook/go.mod pkg/webhook/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mercato ./cmd/mercato

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mercato /usr/local/bin/mercato
WORKDIR /data
EXPOSE 8080
# The base of the links Mercato sends (password resets): set it to the URL
# your users reach, e.g. docker run -e MERCATO_PUBLIC_URL=https://market.example.com
ENV MERCATO_PUBLIC_URL=http://localhost:8080
ENTRYPOINT ["/usr/local/bin/mercato"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--database-url", "sqlite:/data/mercato.db"]
