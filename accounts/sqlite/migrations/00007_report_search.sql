-- Full-text search of activity reports and contact notes (see
-- accounts.SearchReports).
--
-- FTS5 has no French stemmer, so the store indexes text already folded
-- and stemmed in Go: tournee_search_text is accounts.SearchText, which the
-- store registers with the driver before it opens any connection. The
-- triggers below call it, so that every write path (single and bulk
-- creates, updates, deletes, the contacts an account's delete cascades to)
-- keeps the index in step in the write's own transaction, and this
-- migration indexes the rows already there. The price: a program other
-- than tournee that writes activities or contacts into this file needs the
-- same function.
--
-- The tables are contentless (the store reads the text from activities
-- and contacts, and snippets come from there); contentless_delete lets
-- the triggers delete by rowid, which is the activity or contact id.

-- +goose Up
CREATE VIRTUAL TABLE activity_search USING fts5 (
    subject, report,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE contact_search USING fts5 (
    notes,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO activity_search (rowid, subject, report)
    SELECT id, tournee_search_text(subject), tournee_search_text(report) FROM activities;
INSERT INTO contact_search (rowid, notes)
    SELECT id, tournee_search_text(notes) FROM contacts;

-- +goose StatementBegin
CREATE TRIGGER activities_search_insert AFTER INSERT ON activities BEGIN
    INSERT INTO activity_search (rowid, subject, report)
        VALUES (new.id, tournee_search_text(new.subject), tournee_search_text(new.report));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_search_update AFTER UPDATE OF subject, report ON activities BEGIN
    DELETE FROM activity_search WHERE rowid = old.id;
    INSERT INTO activity_search (rowid, subject, report)
        VALUES (new.id, tournee_search_text(new.subject), tournee_search_text(new.report));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_search_delete AFTER DELETE ON activities BEGIN
    DELETE FROM activity_search WHERE rowid = old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, notes) VALUES (new.id, tournee_search_text(new.notes));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_search_update AFTER UPDATE OF notes ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = old.id;
    INSERT INTO contact_search (rowid, notes) VALUES (new.id, tournee_search_text(new.notes));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = old.id;
END;
-- +goose StatementEnd
