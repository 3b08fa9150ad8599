-- +goose Up
-- The subscriptions being terminated (UNDEPLOY_SENT), for the sweep that
-- ends those whose vendor acknowledged DELETED: it reads what is
-- terminating, not every subscription.
CREATE INDEX subscriptions_terminating ON subscriptions(id) WHERE deployment_status = 'UNDEPLOY_SENT';

-- +goose Down
DROP INDEX subscriptions_terminating;
