-- materialized: view
-- Revenue and units per product category and month, from the star schema.
SELECT p.category, d.month_start AS month, sum(f.revenue) AS revenue, sum(f.quantity) AS units
FROM warehouse.fact_store_sales f
JOIN warehouse.dim_product p ON p.dim_product_key = f.dim_product_key
JOIN warehouse.dim_date d ON d.date_key = f.date_key
GROUP BY p.category, d.month_start
