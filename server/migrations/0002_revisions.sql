-- Every change of a row gets a new revision from one sequence, never reused
-- (a row deleted and created again never shows an old revision). A write
-- made through the API reads the revision, then applies only if the row
-- still has it: a statement that reaches PostgreSQL late (sent to a frozen
-- or slow server, its client gone, the write answered "unknown") never
-- overwrites a write made after it. Rows written by anyone (psql, COPY) get
-- a revision too: the default on insert, the trigger on update.
CREATE SEQUENCE product_revisions;
ALTER TABLE products
    ADD COLUMN revision bigint NOT NULL DEFAULT nextval('product_revisions');

CREATE OR REPLACE FUNCTION cachescope_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.revision := nextval('product_revisions');
    RETURN NEW;
END
$$;
