#!/usr/bin/env bash
# Regenerates the landed files of samples/ with the project's own generator (etl generate). Deterministic by seed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
etl() { dotnet run --project src/Etl.Cli -- "$@"; }
p=samples/partner-sales/lake/landing/partners
rm -rf samples/partner-sales/lake/landing samples/sales-records/lake/landing samples/sales-records-jsonl/lake/landing samples/sales-records-parquet/lake/landing samples/sales-records-url/serve
# samples/*/lake/reference/ (rate and dimension tables) and samples/store-sales/ are written by hand.
etl generate "$p/acme/2024-01.csv"   --shape partner-sales --layout a --month 2024-01 --rows 6 --seed 1
etl generate "$p/acme/2024-02.csv"   --shape partner-sales --layout a --month 2024-02 --rows 6 --seed 2 --bad-rows 0.3
etl generate "$p/acme/2024-03.csv"   --shape partner-sales --layout a --month 2024-03 --rows 4 --seed 5
# acme re-sends two good February orders in its March file: the late-rows rule filters them.
sed -n '2p;4p' "$p/acme/2024-02.csv" >> "$p/acme/2024-03.csv"
etl generate "$p/zenith/2024-02.csv" --shape partner-sales --layout b --month 2024-02 --rows 4 --seed 3
etl generate "$p/zenith/2024-03.csv" --shape partner-sales --layout b --month 2024-03 --rows 3 --seed 4 --drop-column order_date
etl generate samples/sales-records/lake/landing/sales/sales-records-2000.csv --rows 2000 --seed 7 --bad-rows 0.005
# The same shape as JSON lines (with the same share of bad values) and as Parquet (typed, so no bad values).
etl generate samples/sales-records-jsonl/lake/landing/sales/sales-records-2000.jsonl --rows 2000 --seed 7 --bad-rows 0.005
etl generate samples/sales-records-parquet/lake/landing/sales/sales-records-2000.parquet --rows 2000 --seed 7
# The URL source's sample: the public file's name and packaging (a zip with a space in the entry name), served locally.
mkdir -p samples/sales-records-url/serve
etl generate "/tmp/2m Sales Records.csv" --rows 2000 --seed 8 --bad-rows 0.005
python3 - <<'PY'
import zipfile, os
z = zipfile.ZipFile("samples/sales-records-url/serve/2m Sales Records.zip", "w", zipfile.ZIP_DEFLATED)
info = zipfile.ZipInfo("2m Sales Records.csv", date_time=(2017, 7, 1, 0, 0, 0))
info.compress_type = zipfile.ZIP_DEFLATED
z.writestr(info, open("/tmp/2m Sales Records.csv", "rb").read())
z.close()
os.remove("/tmp/2m Sales Records.csv")
PY
