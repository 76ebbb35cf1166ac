-- Full-text search of activity reports and contact notes (see
-- accounts.SearchReports).
--
-- Text is indexed with the french configuration (Snowball stemmer and stop
-- list) after unaccent, so that case and accents are ignored. unaccent is
-- an extension, optional like PostGIS: without it (not available, or a
-- role that may not create it) tournee_unaccent folds nothing and search
-- still works, only accent-sensitive. tournee_unaccent is IMMUTABLE, as a
-- generated column needs, and names the extension's schema, so that it
-- does not depend on the search_path; the store's queries call it on the
-- query text too.
--
-- The tsvectors are generated columns with GIN indexes: every write path
-- keeps them in step, in its own transaction, with no trigger.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS unaccent;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'unaccent not created (%), search will be accent-sensitive', SQLERRM;
        END;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    ext_schema text;
BEGIN
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'unaccent';
    IF ext_schema IS NULL THEN
        CREATE FUNCTION tournee_unaccent(text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS 'SELECT $1';
    ELSE
        EXECUTE format('CREATE FUNCTION tournee_unaccent(text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
            AS %L', format('SELECT %I.unaccent(%L::regdictionary, $1)', ext_schema, ext_schema || '.unaccent'));
    END IF;
END
$$;
-- +goose StatementEnd

ALTER TABLE activities ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('pg_catalog.french', tournee_unaccent(subject)), 'A') ||
    setweight(to_tsvector('pg_catalog.french', tournee_unaccent(report)), 'D')) STORED;
CREATE INDEX activities_search ON activities USING gin (search);

ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('pg_catalog.french', tournee_unaccent(notes))) STORED;
CREATE INDEX contacts_search ON contacts USING gin (search);
