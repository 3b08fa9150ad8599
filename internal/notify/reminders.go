package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Reminders are how many days before a term ends its customer is told:
// that a subscription renews (RenewalDays) or that a trial ends
// (TrialDays). 0 turns the message off.
type Reminders struct {
	RenewalDays int
	TrialDays   int
}

// DefaultReminders tells a renewal 7 days before, a trial's end 3 days
// before.
func DefaultReminders() Reminders { return Reminders{RenewalDays: 7, TrialDays: 3} }

// MaxReminderDays bounds both settings.
const MaxReminderDays = 90

// Validate checks the bounds.
func (r Reminders) Validate() error {
	if r.RenewalDays < 0 || r.RenewalDays > MaxReminderDays || r.TrialDays < 0 || r.TrialDays > MaxReminderDays {
		return fmt.Errorf("reminder days %d and %d: want 0 to %d", r.RenewalDays, r.TrialDays, MaxReminderDays)
	}
	return nil
}

// WithReminders sets when renewal reminders and trial endings are told.
func WithReminders(r Reminders) Option { return func(s *Service) { s.reminders = r } }

// Remind queues, in one transaction, the renewal reminders and trial
// endings that are due at the transaction's clock: one message per user
// of the customer, once per subscription and term (the key holds the
// term's end), so running it again, or on another replica, queues
// nothing twice. It returns how many messages it queued.
func (s *Service) Remind(ctx context.Context) (int, error) {
	if s.publicURL == "" {
		return 0, fmt.Errorf("remind: no public URL to build links on (WithPublicURL)")
	}
	if s.broken != nil {
		return 0, fmt.Errorf("remind: %w", s.broken)
	}
	n := 0
	err := s.inTx(ctx, func(tx Tx) error {
		n = 0
		operator, err := tx.OperatorName(ctx)
		if err != nil {
			return err
		}
		now := tx.Now()
		reminders, err := s.remindersIn(ctx, tx)
		if err != nil {
			return err
		}
		for _, kind := range []struct {
			trial bool
			days  int
		}{{false, reminders.RenewalDays}, {true, reminders.TrialDays}} {
			if kind.days <= 0 {
				continue
			}
			ending, err := tx.EndingSubscriptions(ctx, kind.trial, now, now.Add(time.Duration(kind.days)*24*time.Hour))
			if err != nil {
				return err
			}
			for _, e := range ending {
				f, err := tx.SubscriptionFacts(ctx, e.ID)
				if err != nil {
					return err
				}
				l := s.renewalReminder(f, e)
				if kind.trial {
					l = s.trialEnding(f, e)
				}
				q, err := s.queueLetter(ctx, tx, l, fmt.Sprintf("%s:%d:%s", l.template, e.ID, e.EndDate.UTC().Format("2006-01-02")), operator)
				if err != nil {
					return err
				}
				n += q
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("remind: %w", err)
	}
	return n, nil
}

// remindersIn are the reminder days in force: the operator's, where it
// saved them (the panel's Fees & dunning page, PUT /api/v1/operator/dunning),
// else serve's (WithReminders).
func (s *Service) remindersIn(ctx context.Context, tx Tx) (Reminders, error) {
	r := s.reminders
	d, found, err := tx.DunningSettings(ctx)
	if err != nil || !found {
		return r, err
	}
	if d.RenewalReminderDays != nil {
		r.RenewalDays = *d.RenewalReminderDays
	}
	if d.TrialReminderDays != nil {
		r.TrialDays = *d.TrialReminderDays
	}
	return r, nil
}

// renewalReminder is the letter telling a subscription's customer that it
// renews at the end of its term e. (A change announced for the renewal,
// such as a new price, belongs here and in templates/renewal_reminder.*.)
func (s *Service) renewalReminder(f SubscriptionFacts, e Ending) letter {
	d := s.subscriptionData(f)
	d.Date = e.EndDate.UTC().Format("2006-01-02")
	return letter{template: RenewalReminder, orgID: f.CustomerID, data: d}
}

// trialEnding is the letter telling a trial's customer that it ends.
func (s *Service) trialEnding(f SubscriptionFacts, e Ending) letter {
	d := s.subscriptionData(f)
	d.Date = e.EndDate.UTC().Format("2006-01-02")
	return letter{template: TrialEnding, orgID: f.CustomerID, data: d}
}

// Reminder runs Remind every interval (at once, then periodically), and
// calls onQueued after a pass that queued messages.
func (s *Service) Reminder(log *slog.Logger, interval time.Duration, onQueued func()) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if interval <= 0 {
			return nil
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			n, err := s.Remind(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.ErrorContext(ctx, "mail reminders", "err", err)
			case n > 0:
				log.InfoContext(ctx, "mail reminders queued", "n", n)
				if onQueued != nil {
					onQueued()
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}
