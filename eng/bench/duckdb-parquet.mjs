// Reference for the Parquet writer benchmark: loads a CSV into an in-memory DuckDB table (untimed), then times
// COPY ... TO parquet with the given codec, single-threaded, several times. Prints JSON {runs_ms:[...], bytes:N}.
// usage: node duckdb-parquet.mjs <csv> <out.parquet> <codec> <runs>
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const toolsDir = process.env.ETL_TOOLS_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '.tools');
const require = createRequire(path.join(toolsDir, 'package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [csv, out, codec, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await instance.connect();
const q = (s) => s.replaceAll("'", "''");
await c.run(`CREATE TABLE t AS SELECT * FROM read_csv('${q(csv)}', header=true, columns={
  'region':'VARCHAR','country':'VARCHAR','item_type':'VARCHAR','sales_channel':'VARCHAR','order_priority':'VARCHAR',
  'sales_rep':'VARCHAR','order_code':'VARCHAR','order_date':'DATE','ship_date':'DATE','order_id':'BIGINT','units_sold':'INTEGER',
  'unit_price':'DECIMAL(18,2)','unit_cost':'DECIMAL(18,2)','total_revenue':'DECIMAL(18,2)','total_cost':'DECIMAL(18,2)','total_profit':'DECIMAL(18,2)'})`);
const times = [];
for (let i = 0; i < runs; i++) {
  if (fs.existsSync(out)) fs.unlinkSync(out);
  const t0 = process.hrtime.bigint();
  await c.run(`COPY t TO '${q(out)}' (FORMAT parquet, COMPRESSION ${codec})`);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
process.stdout.write(JSON.stringify({ runs_ms: times, bytes: fs.statSync(out).size }));
