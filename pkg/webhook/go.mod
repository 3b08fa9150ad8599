module github.com/mercato-market/mercato/pkg/webhook

go 1.21
