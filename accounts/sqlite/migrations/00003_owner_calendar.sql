-- A rep's calendar: the day planner reads the activities of one owner in a
-- time range, and every booking looks for an overlapping one.

-- +goose Up
CREATE INDEX activities_owner_start ON activities (owner_id, start_at);
