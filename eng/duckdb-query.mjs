// Runs SQL statements read from stdin with DuckDB (from the npm registry) and prints the last statement's result as
// JSON: {"columns":[{"name":..,"type":..}], "rows":[{..}]}. Used by the tests as an independent Parquet reader.
// Values come from DuckDB's JSON conversion: DECIMAL and BIGINT as strings, DATE as 'YYYY-MM-DD'.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

// The npm tools live in the repo's tools folder (ETL_TOOLS_DIR, default .tools), not beside this script.
const toolsDir = process.env.ETL_TOOLS_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.tools');
const require = createRequire(path.join(toolsDir, 'package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const sql = Buffer.concat(chunks).toString('utf8');

const threads = process.env.DUCKDB_THREADS ?? '2';
const instance = await DuckDBInstance.create(':memory:', { threads });
const connection = await instance.connect();
try {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const out = {
    columns: names.map((name, i) => ({ name, type: types[i] })),
    rows: reader.getRowObjectsJson(),
  };
  process.stdout.write(JSON.stringify(out));
} catch (err) {
  process.stderr.write(String(err?.message ?? err));
  process.exitCode = 3;
} finally {
  connection.closeSync?.();
}
