// Reads a Parquet file with hyparquet (a second independent reader, from npm) and prints
// {"rows": N, "columns": [...], "first": {...}, "last": {...}} as JSON. BigInt values are printed as strings.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const toolsDir = process.env.ETL_TOOLS_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.tools');
const require = createRequire(path.join(toolsDir, 'package.json'));
const { parquetReadObjects, parquetMetadata } = await import(pathToFileURL(require.resolve('hyparquet')).href);

const file = process.argv[2];
const bytes = fs.readFileSync(file);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const metadata = parquetMetadata(buffer);
const rows = await parquetReadObjects({ file: buffer });
const replacer = (_k, v) => (typeof v === 'bigint' ? v.toString() : v);
process.stdout.write(JSON.stringify({
  rows: rows.length,
  columns: metadata.schema.slice(1).map((s) => s.name),
  first: rows[0] ?? null,
  last: rows[rows.length - 1] ?? null,
}, replacer));
