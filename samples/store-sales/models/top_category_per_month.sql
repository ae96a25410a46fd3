-- materialized: table
-- depends_on: category_monthly_revenue
-- The best-selling category of each month.
SELECT DISTINCT ON (month) month, category, revenue
FROM analytics.category_monthly_revenue
ORDER BY month, revenue DESC, category
