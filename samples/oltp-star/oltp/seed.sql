-- A few rows to start from: psql "$OLTP_DATABASE" -f oltp/schema.sql -f oltp/seed.sql
INSERT INTO customers (customer_id, name, segment, city) VALUES
    (1, 'Ada Lovelace',    'retail',    'London'),
    (2, 'Grace Hopper',    'corporate', 'New York'),
    (3, 'Alan Turing',     'retail',    'Manchester'),
    (4, 'Edsger Dijkstra', 'corporate', 'Rotterdam');

INSERT INTO products (product_id, name, category, list_price) VALUES
    (10, 'Notebook',   'stationery', 3.50),
    (11, 'Fountain pen', 'stationery', 24.00),
    (12, 'Desk lamp',  'furniture', 39.90);

INSERT INTO sales (sale_id, customer_id, product_id, sale_date, quantity, unit_price) VALUES
    (100, 1, 10, '2024-01-05', 4, 3.50),
    (101, 2, 12, '2024-01-09', 1, 39.90),
    (102, 3, 11, '2024-01-20', 2, 24.00),
    (103, 1, 12, '2024-02-02', 1, 35.00),
    (104, 4, 10, '2024-02-14', 10, 3.20),
    (105, 2, 11, '2024-02-28', 3, 24.00);
