using System.Globalization;
using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Orchestration.Local;
using Etl.Storage;
using Etl.Storage.Local;
using Etl.Warehouse;
using Npgsql;

namespace Etl.Cli.Commands;

/// <summary>One thing <c>etl verify</c> looked at: fine, or a problem with its fix.</summary>
internal sealed record Finding(bool Ok, string What, string? Fix = null);

/// <summary>
/// The checks behind <c>etl verify</c>: the manifest against processed/ (missing or extra outputs, sizes, Parquet
/// magic and footer length), leftover temp files of a local lake, stale leases, and whether the warehouse answers.
/// Reads only: what it finds is reported with its fix, nothing is deleted or rewritten.
/// </summary>
internal sealed class LakeCheck(PipelineDefinition definition, IObjectStore store, string configPath, TimeProvider? time = null)
{
    /// <summary>A temp file older than this is not a write in progress.</summary>
    public static TimeSpan TempFileAge { get; set; } = TimeSpan.FromMinutes(15);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<List<Finding>> RunAsync(CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        await CheckOutputsAsync(findings, cancellationToken).ConfigureAwait(false);
        CheckTempFiles(findings);
        foreach (var key in new[] { LocalRuntimeOptions.LeaseKey, $"_meta/leases/{definition.Name}.lease" })
        {
            await CheckLeaseAsync(findings, key, cancellationToken).ConfigureAwait(false);
        }

        await CheckWarehouseAsync(findings, cancellationToken).ConfigureAwait(false);
        return findings;
    }

    private async Task CheckOutputsAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        var manifest = await Manifest.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        var expected = new Dictionary<string, ManifestRecord>(StringComparer.Ordinal);
        foreach (var key in manifest.Latest.Keys)
        {
            if (manifest.LastSucceeded(key) is { } record)
            {
                foreach (var output in record.Outputs)
                {
                    expected[output] = record;
                }
            }
        }

        var present = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var info in store.ListAsync("processed/", cancellationToken).ConfigureAwait(false))
        {
            present[info.Key] = info.Size;
        }

        var problems = findings.Count;
        var bad = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, record) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!present.TryGetValue(key, out var size))
            {
                bad.Add(key);
                findings.Add(new Finding(false,
                    $"{key} is missing: the manifest records it as the output of {record.Key} (run {record.RunId}, {record.RowsWritten:N0} rows in {record.Outputs.Count} file(s)).",
                    "Run `etl run --reprocess-all` to write the outputs again from landing/ (or restore the file from a backup)."));
            }
            else if (await FooterProblemAsync(key, size, cancellationToken).ConfigureAwait(false) is { } damage)
            {
                bad.Add(key);
                findings.Add(new Finding(false, $"{key} is damaged: {damage} (output of {record.Key}, run {record.RunId}).",
                    "Run `etl run --reprocess-all` to write it again from landing/ (or restore it from a backup)."));
            }
        }

        await CheckSizesAsync(findings, manifest, present, bad, cancellationToken).ConfigureAwait(false);
        var running = await new InstanceStore(store).GetActiveAsync(cancellationToken).ConfigureAwait(false);
        foreach (var key in present.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            findings.Add(new Finding(false,
                $"{key} is in processed/ but no committed file version produced it{(running is null ? "" : $" (run {running} is in progress: it may be one of its outputs)")}.",
                "Run `etl run`: a run that takes the lake removes the uncommitted outputs of earlier runs (delete it by hand if it was copied in)."));
        }

        if (findings.Count == problems)
        {
            findings.Add(new Finding(true, string.Create(CultureInfo.InvariantCulture, $"processed/ matches the manifest: {expected.Count:N0} output(s) of {manifest.Latest.Count:N0} landed file version(s), each a whole Parquet file.")));
        }
    }

    /// <summary>
    /// The bytes each committed file version wrote, as its run's metrics recorded them, against the sizes of its outputs
    /// now: an output replaced by another file (or rewritten) shows up even when it is still a valid Parquet file.
    /// </summary>
    private async Task CheckSizesAsync(List<Finding> findings, Manifest manifest, Dictionary<string, long> present, HashSet<string> bad, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, Dictionary<string, long>?>(StringComparer.Ordinal);
        foreach (var key in manifest.Latest.Keys.Order(StringComparer.Ordinal))
        {
            if (manifest.LastSucceeded(key) is not { Outputs.Count: > 0 } record || record.Outputs.Any(bad.Contains))
            {
                continue; // a missing or damaged output is reported on its own
            }

            if (!runs.TryGetValue(record.RunId, out var written))
            {
                written = await BytesWrittenAsync(record.RunId, cancellationToken).ConfigureAwait(false);
                runs[record.RunId] = written;
            }

            if (written is not null && written.TryGetValue(key, out var bytes))
            {
                var now = record.Outputs.Sum(o => present[o]);
                if (now != bytes)
                {
                    findings.Add(new Finding(false,
                        string.Create(CultureInfo.InvariantCulture, $"the outputs of {key} hold {now:N0} bytes, but run {record.RunId} wrote {bytes:N0}: one of {string.Join(", ", record.Outputs)} was replaced or rewritten after the commit."),
                        "Run `etl run --reprocess-all` to write them again from landing/ (or restore them from a backup)."));
                }
            }
        }
    }

    /// <summary>Bytes written per landed key, from a run's create-only metrics segment; null when it has none.</summary>
    private async Task<Dictionary<string, long>?> BytesWrittenAsync(string runId, CancellationToken cancellationToken)
    {
        var key = $"_meta/metrics/{runId}.json";
        if (await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var summary = await System.Text.Json.JsonSerializer.DeserializeAsync(stream, EtlJson.Default.RunSummary, cancellationToken).ConfigureAwait(false);
            var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var f in summary?.Files ?? [])
            {
                if (f.Status == Etl.Core.Runs.FileStatus.Succeeded)
                {
                    bytes[f.File.Key] = f.BytesWritten;
                }
            }

            return bytes;
        }
    }

    /// <summary>What is wrong with a Parquet file's frame (magic at both ends, a footer length that fits), or null.</summary>
    private async Task<string?> FooterProblemAsync(string key, long size, CancellationToken cancellationToken)
    {
        if (size < 12)
        {
            return $"it is {size} bytes long, too short for a Parquet file";
        }

        var head = await ReadAsync(key, new ByteRange(0, 4), 4, cancellationToken).ConfigureAwait(false);
        var tail = await ReadAsync(key, new ByteRange(size - 8, 8), 8, cancellationToken).ConfigureAwait(false);
        if (!head.AsSpan().SequenceEqual("PAR1"u8) || !tail.AsSpan(4).SequenceEqual("PAR1"u8))
        {
            return "it does not begin and end with the Parquet magic bytes PAR1 (truncated or overwritten)";
        }

        var footer = BitConverter.ToInt32(tail, 0);
        return footer <= 0 || footer > size - 12 ? $"its footer length ({footer:N0} bytes) does not fit in the file ({size:N0} bytes)" : null;
    }

    private async Task<byte[]> ReadAsync(string key, ByteRange range, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var stream = await store.OpenReadAsync(key, range, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var read = 0;
            while (read < length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }

        return buffer;
    }

    /// <summary>Files a local lake's writes left in <c>.etl-tmp/</c> (a process killed mid-write); other stores clean up their own.</summary>
    private void CheckTempFiles(List<Finding> findings)
    {
        if (store is not LocalObjectStore)
        {
            return;
        }

        var folder = Path.Combine(store.Description, ".etl-tmp");
        var now = _time.GetUtcNow();
        var stale = Directory.Exists(folder)
            ? Directory.GetFiles(folder).Select(f => new FileInfo(f)).Where(f => now - f.LastWriteTimeUtc > TempFileAge).OrderBy(f => f.Name, StringComparer.Ordinal).ToList()
            : [];
        if (stale.Count == 0)
        {
            findings.Add(new Finding(true, "no leftover temp files in .etl-tmp/."));
            return;
        }

        var bytes = stale.Sum(f => f.Length);
        findings.Add(new Finding(false,
            string.Create(CultureInfo.InvariantCulture, $"{stale.Count} leftover temp file(s) in {folder} ({bytes:N0} bytes, older than {TempFileAge.TotalMinutes:N0} minutes), e.g. {stale[0].Name}: writes of a process that stopped before it finished them; they are not part of the lake."),
            "Run `etl run` (or start `etl serve`): taking the lake removes what dead writers left in .etl-tmp/ and abandoned uploads."));
    }

    private async Task CheckLeaseAsync(List<Finding> findings, string key, CancellationToken cancellationToken)
    {
        if (await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            findings.Add(new Finding(true, $"no lease {key}: no host is working on the lake."));
            return;
        }

        var content = await ReadAsync(key, new ByteRange(0), 256, cancellationToken).ConfigureAwait(false);
        var lines = Encoding.UTF8.GetString(content).TrimEnd('\0').Split('\n');
        if (lines.Length >= 2 && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            var expires = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            findings.Add(expires < _time.GetUtcNow()
                ? new Finding(true, $"lease {key} expired at {expires:u}: left by a host that stopped without releasing it; the next run takes it over.")
                : new Finding(true, $"lease {key} is held by a running host until {expires:u} (renewed while it works)."));
            return;
        }

        findings.Add(new Finding(true, $"lease {key} is present (its store keeps the expiry; a host that died releases it when the lease expires)."));
    }

    private async Task CheckWarehouseAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        WarehouseDefinition? warehouse;
        try
        {
            warehouse = WarehouseDefinition.Load(configPath);
        }
        catch (WarehouseConfigurationException ex)
        {
            findings.Add(new Finding(false, ex.Message, "Fix the warehouse: section (docs/warehouse.md)."));
            return;
        }

        if (warehouse is null)
        {
            findings.Add(new Finding(true, "no warehouse: section, so no warehouse to reach."));
            return;
        }

        if (warehouse.Options().ConnectionString is not { } connection)
        {
            findings.Add(new Finding(false, $"the warehouse connection variable {warehouse.ConnectionEnvironmentVariable} is not set.",
                $"Set {warehouse.ConnectionEnvironmentVariable} to an Npgsql connection string (Host=...;Database=...;Username=...)."));
            return;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connection) { Timeout = 10 };
            var db = new NpgsqlConnection(builder.ConnectionString);
            await using (db.ConfigureAwait(false))
            {
                await db.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = new NpgsqlCommand("SELECT 1", db);
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                findings.Add(new Finding(true, $"the warehouse answers (database {db.Database} on {db.Host}:{db.Port})."));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or TimeoutException)
        {
            findings.Add(new Finding(false, $"the warehouse ({warehouse.ConnectionEnvironmentVariable}) cannot be reached: {ex.Message}",
                "Check the connection string's host, port, database and credentials, and that PostgreSQL is running."));
        }
    }
}
