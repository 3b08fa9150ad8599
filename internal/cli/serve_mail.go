package cli

import (
	"fmt"
	"os"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/notify"
)

// mailWorkers builds e-mail's two workers: the notifier, which turns the
// events each commit records into queued messages (wake it after every
// commit that recorded events), and the sender, which the notifier wakes
// when it queued some. Without --smtp-url the sender keeps every message
// for the control panel's Outbox.
func mailWorkers(cfg *config.Serve, env *serveEnv, svc *notify.Service) (*notify.Notifier, *mail.Sender, error) {
	host := mail.HostOf(cfg.PublicURL)
	var transport mail.Transport
	if cfg.Mail.SMTPURL != "" {
		from := cfg.Mail.From
		if from == "" {
			from = "noreply@" + host
		}
		// The password is read from the environment only, so that it never
		// shows in a process list.
		smtp, err := mail.NewSMTP(mail.SMTPConfig{Server: cfg.Mail.SMTP, Password: os.Getenv("MERCATO_SMTP_PASSWORD"), From: from, Host: host})
		if err != nil {
			return nil, nil, fmt.Errorf("--smtp-url: %w", err)
		}
		transport = smtp
		env.Log.Info("e-mail goes out through SMTP", "server", fmt.Sprintf("%s:%d", cfg.Mail.SMTP.Host, cfg.Mail.SMTP.Port), "tls", cfg.Mail.SMTP.TLS, "from", from)
	} else {
		env.Log.Info("no --smtp-url: e-mail is kept for the operator, who reads it in the control panel's Outbox (/admin/outbox)")
	}
	sender := mail.NewSender(env.Store, transport, env.Log, mail.Config{Lease: cfg.Mail.Lease, Attach: svc.Attachment})
	return notify.NewNotifier(svc, env.Log, 0, sender.Wake), sender, nil
}
