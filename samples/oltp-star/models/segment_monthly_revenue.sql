-- materialized: view
-- Revenue per customer segment and month, by the segment the customer was in when the sale was loaded (SCD type 2).
SELECT c.segment, d.month_start AS month, sum(f.revenue) AS revenue, count(*) AS sales
FROM warehouse.fact_sales f
JOIN warehouse.dim_customer c ON c.dim_customer_key = f.dim_customer_key
JOIN warehouse.dim_date d ON d.date_key = f.date_key
GROUP BY c.segment, d.month_start
