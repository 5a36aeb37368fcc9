-- +goose Up
-- Progress by unit counts a campaign's checklists per unit and status
-- (one aggregate query per progress page). With the status in the index
-- the count reads the index alone: at 20,000 checklists on SQLite it goes
-- from about 56 ms to 9 ms. The index replaces the one on (campaign, unit),
-- of which it is an extension.
DROP INDEX sc_checklists_unit;
CREATE INDEX sc_checklists_unit ON sc_checklists(campaign_id, unit_id, status);

-- +goose Down
DROP INDEX sc_checklists_unit;
CREATE INDEX sc_checklists_unit ON sc_checklists(campaign_id, unit_id);
