-- The products table: the system of record when PRODUCT_STORE=postgres.

-- The words a product is found by, computed exactly as the Redis word index
-- does (server/src/catalog/words.rs): its id lower-cased, then every run of
-- two or more letters or digits of its name, category and features,
-- lower-cased and cut to 32 characters; distinct, sorted, at most 64. Being a
-- function of the row, it keeps the index right for rows written outside the
-- app (psql) too.
CREATE FUNCTION cachescope_words(id text, name text, category text, features text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce((array_agg(w ORDER BY w COLLATE "C"))[1:64], '{}')
    FROM (
        SELECT lower(id) AS w
        UNION
        SELECT left(lower(m[1]), 32)
        FROM regexp_matches(
                 name || ' ' || category || ' ' || array_to_string(features, ' '),
                 '([[:alnum:]]{2,})', 'g') AS m
    ) AS words
$$;

CREATE TABLE products (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    price       numeric(12, 2) NOT NULL CHECK (price >= 0 AND price <= 1000000000),
    category    text NOT NULL CHECK (category ~ '^[a-z0-9_-]{1,40}$'),
    in_stock    boolean NOT NULL,
    features    text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    words       text[] GENERATED ALWAYS AS (cachescope_words(id, name, category, features)) STORED
);

-- Listings: by price overall, and within a category (category + price range
-- + order is one index range scan). Ties are broken by id, as Redis does.
CREATE INDEX products_price ON products (price, id);
CREATE INDEX products_category_price ON products (category, price, id);
-- Word search: every word of the query must be in `words` (`@>`).
CREATE INDEX products_words ON products USING gin (words);

-- When the row was last changed, whoever changed it.
CREATE FUNCTION cachescope_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER products_touch BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION cachescope_touch();

-- Cache invalidation for every write, the app's or anyone's: one
-- `NOTIFY product_changed, '<id>'` per changed id when a statement changes a
-- few rows; a single '*' (drop every cached product) when it changes many,
-- so a bulk load does not send a million notifications. Notifications are
-- sent at commit, so a server that acts on one reads the committed row.
CREATE FUNCTION cachescope_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_ids text[];
    one text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT id) INTO changed_ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT id) INTO changed_ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT id) INTO changed_ids
        FROM (SELECT id FROM new_rows UNION SELECT id FROM old_rows) AS both_sides;
    END IF;
    IF changed_ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(changed_ids) > 100 THEN
        PERFORM pg_notify('product_changed', '*');
    ELSE
        FOREACH one IN ARRAY changed_ids LOOP
            PERFORM pg_notify('product_changed', one);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cachescope_notify_changed();
CREATE TRIGGER products_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cachescope_notify_changed();
CREATE TRIGGER products_deleted AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cachescope_notify_changed();

CREATE FUNCTION cachescope_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('product_changed', '*');
    RETURN NULL;
END
$$;
CREATE TRIGGER products_truncated AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION cachescope_notify_all();

-- Which version of the built-in catalog was last loaded, so a restart does
-- not bring back products someone deleted.
CREATE TABLE cachescope_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
