-- The small OLTP database the oltp-star sample extracts: two reference tables and the sales they are sold in.
-- Every insert and update sets updated_at (the default, and the trigger), which is what the extract's watermark needs.
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END $$;

CREATE TABLE customers (
    customer_id integer PRIMARY KEY,
    name        text NOT NULL,
    segment     text NOT NULL,
    city        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE products (
    product_id  integer PRIMARY KEY,
    name        text NOT NULL,
    category    text NOT NULL,
    list_price  numeric(10,2) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE sales (
    sale_id     bigint PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    product_id  integer NOT NULL REFERENCES products,
    sale_date   date NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  numeric(10,2) NOT NULL,
    status      text NOT NULL DEFAULT 'open',
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The extract reads "updated_at > watermark ORDER BY updated_at, key": an index keeps that cheap as the tables grow.
CREATE INDEX customers_updated_at ON customers (updated_at, customer_id);
CREATE INDEX products_updated_at ON products (updated_at, product_id);
CREATE INDEX sales_updated_at ON sales (updated_at, sale_id);

CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER products_touch BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER sales_touch BEFORE UPDATE ON sales FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
