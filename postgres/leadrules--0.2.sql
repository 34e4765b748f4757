-- leadrules 0.2: policies registered by name, scored one prospect at a time or table by table.
-- See docs/postgres.md.
\echo Use "CREATE EXTENSION leadrules" to load this file. \quit

-- The registered policies. A backend compiles a policy the first time it is used and again when
-- its text changes (the cache is keyed by name and source_md5). register() is the way in: it
-- compiles first, so a policy with errors never lands here. register_compiled() stores a rule set
-- compiled ahead of time (a .so from `leadrules compile --shared`): its path, and the policy text
-- it carries; each backend loads it from that path when first used.
CREATE TABLE leadrules.policies (
  name text PRIMARY KEY,
  source text NOT NULL,
  source_md5 text GENERATED ALWAYS AS (md5(source)) STORED,
  fingerprint text,  -- the compiled plan's fingerprint (same plan, same fingerprint)
  compiled_path text,  -- a rule set compiled ahead of time (register_compiled), or NULL
  registered_at timestamptz NOT NULL DEFAULT now()
);
SELECT pg_catalog.pg_extension_config_dump('leadrules.policies', '');

-- Compiles `source` as policy `name` and stores it (replacing a policy of that name). A policy
-- with errors is an ERROR: message "<name>:line:col: ...", the caret in DETAIL, a HINT when one
-- helps. Returns the summary line of `leadrules check`.
CREATE FUNCTION leadrules.register(name text, source text) RETURNS text
  AS 'MODULE_PATHNAME', 'lrpg_register' LANGUAGE C STRICT VOLATILE;

-- A rule set made by `leadrules compile POLICY --shared FILE.so` (an absolute path the server can
-- read), checked and loaded (ABI version, CPU features, its policy against its code: an ERROR
-- otherwise), then stored as `name`. Native code in the server: superusers only, as LOAD.
CREATE FUNCTION leadrules.register_compiled(name text, path text) RETURNS text
  AS 'MODULE_PATHNAME', 'lrpg_register_compiled' LANGUAGE C STRICT VOLATILE;
REVOKE EXECUTE ON FUNCTION leadrules.register_compiled(text, text) FROM PUBLIC;

-- Removes a policy; false when there was none.
CREATE FUNCTION leadrules.unregister(name text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'lrpg_unregister' LANGUAGE C STRICT VOLATILE;

-- One prospect as one JSON Lines record (fields, "activities": [{"type", "at", ...}] and the
-- firing history "fired": {"rule": {"count", "last"}}), scored alone (no colleagues): the
-- object `leadrules run` writes for it.
CREATE FUNCTION leadrules.score(policy text, prospect jsonb, now timestamptz DEFAULT now()) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'lrpg_score' LANGUAGE C STRICT STABLE PARALLEL SAFE;

-- Every prospect of `prospects_query` (columns named as the policy's fields or their `from`
-- names; a jsonb "fired" column for firing history), with the rows of `activities_query`
-- (prospect_id, type, at and the activity fields) as its activities; whole accounts scored
-- together. activities_query may be NULL (activities then come from an "activities" jsonb
-- column, or there are none). One row per prospect, as `leadrules run` would score it:
--   INSERT INTO scores SELECT * FROM leadrules.score_tables('hot', 'SELECT * FROM prospects',
--                                                           'SELECT * FROM activities', now());
CREATE FUNCTION leadrules.score_tables(policy text, prospects_query text, activities_query text,
                                       now timestamptz DEFAULT now())
  RETURNS TABLE (id text, score float8, scores jsonb, grade text, segments text[], actions jsonb, set jsonb)
  AS 'MODULE_PATHNAME', 'lrpg_score_tables' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
