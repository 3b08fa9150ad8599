-- +goose Up
-- Price lists take Cloudesire's VALUE markup (an amount added to the
-- price bought at) beside percentage and fixed.
ALTER TABLE price_list_entries DROP CONSTRAINT price_list_entries_kind_check;
ALTER TABLE price_list_entries ADD CONSTRAINT price_list_entries_kind_check CHECK (kind IN ('percentage','fixed','value'));

-- +goose Down
-- A value markup has no equivalent in the older schema: going down
-- removes it, so that its plan sells at the price bought at.
DELETE FROM price_list_entries WHERE kind = 'value';
ALTER TABLE price_list_entries DROP CONSTRAINT price_list_entries_kind_check;
ALTER TABLE price_list_entries ADD CONSTRAINT price_list_entries_kind_check CHECK (kind IN ('percentage','fixed'));
