#!/usr/bin/env bash
# Regenerates the landed files of samples/ with the project's own generator (etl generate). Deterministic by seed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
etl() { dotnet run --project src/Etl.Cli -- "$@"; }
p=samples/partner-sales/lake/landing/partners
rm -rf samples/partner-sales/lake/landing samples/sales-records/lake/landing
# samples/*/lake/reference/ (rate and dimension tables) and samples/store-sales/ are written by hand.
etl generate "$p/acme/2024-01.csv"   --shape partner-sales --layout a --month 2024-01 --rows 6 --seed 1
etl generate "$p/acme/2024-02.csv"   --shape partner-sales --layout a --month 2024-02 --rows 6 --seed 2 --bad-rows 0.3
etl generate "$p/acme/2024-03.csv"   --shape partner-sales --layout a --month 2024-03 --rows 4 --seed 5
# acme re-sends two good February orders in its March file: the late-rows rule filters them.
sed -n '2p;4p' "$p/acme/2024-02.csv" >> "$p/acme/2024-03.csv"
etl generate "$p/zenith/2024-02.csv" --shape partner-sales --layout b --month 2024-02 --rows 4 --seed 3
etl generate "$p/zenith/2024-03.csv" --shape partner-sales --layout b --month 2024-03 --rows 3 --seed 4 --drop-column order_date
etl generate samples/sales-records/lake/landing/sales/sales-records-2000.csv --rows 2000 --seed 7 --bad-rows 0.005
