using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Storage;

namespace Etl.Core.Sources;

/// <summary>
/// Fetches a dataset's HTTP(S) file into landing/ with a conditional GET (If-None-Match / If-Modified-Since from the
/// last fetch), so an unchanged file is neither downloaded nor landed again; a server that ignores the conditions and
/// sends the same bytes is caught by their SHA-256. The body streams to a temp file (bounded memory, capped size)
/// before anything is landed, so a download cut off mid-body lands nothing and is retried. A zip is unpacked, entry
/// names normalised (spaces to underscores), and the original kept under <c>archive/</c>.
/// </summary>
internal sealed class UrlSourceFetcher(IObjectStore store, HttpClient http, TimeProvider time, TimeSpan retryDelay, long maxUncompressedBytes)
{
    public async Task<SourceFetchResult> FetchAsync(DatasetDefinition ds, UrlSourceDefinition source, CancellationToken cancellationToken)
    {
        var stateKey = SourceState.KeyOf(ds.Name);
        var state = await SourceState.LoadAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var sameUrl = state?.Url == source.Url.AbsoluteUri;
        if (sameUrl && source.Every is { } every && state!.CheckedAt + every > now)
        {
            return new SourceFetchResult(ds.Name, SourceFetchOutcome.NotDue, [], 0, $"next fetch after {(state.CheckedAt + every):u}");
        }

        var shown = source.Url.GetLeftPart(UriPartial.Path);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await FetchOnceAsync(ds, source, sameUrl ? state : null, stateKey, now, cancellationToken).ConfigureAwait(false);
            }
            catch (EtlException ex) when (ex.IsTransient && attempt < source.Attempts)
            {
                // Exponential backoff: a server restarting or throttling gets time; the caller's token still stops it.
                await Task.Delay(retryDelay * (1 << (attempt - 1)), time, cancellationToken).ConfigureAwait(false);
            }
            catch (EtlException ex) when (ex.IsTransient)
            {
                throw new EtlException($"{ex.Message} (gave up after {attempt} attempts at {shown}).", ex, isTransient: true);
            }
        }
    }

    private async Task<SourceFetchResult> FetchOnceAsync(DatasetDefinition ds, UrlSourceDefinition source, SourceState? state, string stateKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var shown = source.Url.GetLeftPart(UriPartial.Path);
        using var request = new HttpRequestMessage(HttpMethod.Get, source.Url);
        foreach (var (name, value) in source.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (source.SecretEnv is { } env)
        {
            var secret = Environment.GetEnvironmentVariable(env);
            if (string.IsNullOrEmpty(secret))
            {
                throw new EtlException($"Dataset '{ds.Name}': the environment variable {env} (source.auth.env) is not set; set it to the {source.SecretHeader} header's value.");
            }

            request.Headers.TryAddWithoutValidation(source.SecretHeader!, secret);
        }

        if (state?.ETag is { } etag)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        if (state?.LastModified is { } lastModified)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(source.Timeout);
        var temp = Path.GetTempFileName();
        try
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new EtlException($"GET {shown} failed: {ex.Message}", ex, isTransient: true);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EtlException($"GET {shown} timed out after {source.Timeout}", ex, isTransient: true);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    await (state! with { CheckedAt = now }).SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
                    return new SourceFetchResult(ds.Name, SourceFetchOutcome.NotModified, [], 0, "304 Not Modified");
                }

                CheckStatus(ds, response, shown);
                if (response.Content.Headers.ContentLength is { } length && length > source.MaxBytes)
                {
                    throw new EtlException($"GET {shown}: the file is {length:N0} bytes, more than source.max_bytes {source.MaxBytes:N0} of dataset '{ds.Name}'. Raise max_bytes if the file is genuine.");
                }

                var (bytes, sha) = await DownloadAsync(response, temp, source, shown, timeout.Token, cancellationToken).ConfigureAwait(false);
                var newState = new SourceState(source.Url.AbsoluteUri, response.Headers.ETag?.ToString(),
                    response.Content.Headers.LastModified?.ToString("R"), sha, bytes, state?.FetchedAt ?? now, now, state?.Landed ?? []);
                if (state is not null && state.Sha256 == sha)
                {
                    await newState.SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
                    return new SourceFetchResult(ds.Name, SourceFetchOutcome.Unchanged, [], bytes, "same content as the last fetch");
                }

                var landed = await LandAsync(ds, source, temp, now, cancellationToken).ConfigureAwait(false);
                await (newState with { FetchedAt = now, Landed = landed }).SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
                return new SourceFetchResult(ds.Name, SourceFetchOutcome.Fetched, landed, bytes, null);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void CheckStatus(DatasetDefinition ds, HttpResponseMessage response, string shown)
    {
        var code = (int)response.StatusCode;
        if (code is >= 200 and < 300)
        {
            return;
        }

        var transient = code is 408 or 429 or >= 500;
        var hint = code switch
        {
            401 or 403 => " Check the credentials: source.auth names the environment variable holding them.",
            404 or 410 => " Check source.url.",
            _ when transient => " The server may recover; the fetch is retried.",
            _ => "",
        };
        throw new EtlException($"GET {shown} for dataset '{ds.Name}' returned {code} {response.ReasonPhrase}.{hint}", isTransient: transient);
    }

    private static async Task<(long Bytes, string Sha256)> DownloadAsync(HttpResponseMessage response, string temp, UrlSourceDefinition source, string shown, CancellationToken token, CancellationToken callerToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    int n;
                    while ((n = await body.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                    {
                        bytes += n;
                        if (bytes > source.MaxBytes)
                        {
                            throw new EtlException($"GET {shown}: the body passed source.max_bytes {source.MaxBytes:N0}; stopped. Raise max_bytes if the file is genuine.");
                        }

                        hash.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), token).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new EtlException($"GET {shown}: the connection was lost after {bytes:N0} bytes ({ex.Message}); nothing was landed", ex, isTransient: true);
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            throw new EtlException($"GET {shown} timed out after {source.Timeout} and {bytes:N0} bytes; nothing was landed", ex, isTransient: true);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        if (response.Content.Headers.ContentLength is { } expected && expected != bytes)
        {
            throw new EtlException($"GET {shown}: received {bytes:N0} of {expected:N0} bytes; nothing was landed", isTransient: true);
        }

        return (bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private async Task<List<string>> LandAsync(DatasetDefinition ds, UrlSourceDefinition source, string temp, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var landed = new List<string>();
        if (!source.Unzip)
        {
            var key = source.Landing + source.FileName;
            CheckMatches(ds, key);
            var file = File.OpenRead(temp);
            await using (file.ConfigureAwait(false))
            {
                await UploadAsync(key, file, cancellationToken).ConfigureAwait(false);
            }

            landed.Add(key);
            return landed;
        }

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(File.OpenRead(temp), ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new EtlException($"Dataset '{ds.Name}': {source.Url.GetLeftPart(UriPartial.Path)} is not a zip archive ({ex.Message}); set 'unzip: false' to land it as it is.", ex);
        }

        using (zip)
        {
            var entries = new List<(ZipArchiveEntry Entry, string Key)>();
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                if (entry.FullName.Contains("..", StringComparison.Ordinal) || entry.FullName.StartsWith('/') || entry.FullName.Contains('\\', StringComparison.Ordinal))
                {
                    throw new EtlException($"Dataset '{ds.Name}': zip entry '{entry.FullName}' has a path that could escape its folder; nothing was landed.");
                }

                // The seed's rename: spaces (and other characters awkward in keys) become underscores.
                var key = source.Landing + NormaliseName(entry.FullName);
                CheckMatches(ds, key);
                entries.Add((entry, key));
            }

            if (entries.Count == 0)
            {
                throw new EtlException($"Dataset '{ds.Name}': the zip from {source.Url.GetLeftPart(UriPartial.Path)} holds no file.");
            }

            var budget = new ExpansionBudget(maxUncompressedBytes);
            foreach (var (entry, key) in entries)
            {
                var stream = new ExpansionLimitStream(entry.Open(), budget, source.FileName + "!" + entry.FullName);
                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        await UploadAsync(key, stream, cancellationToken).ConfigureAwait(false);
                    }
                    catch (QuarantineException ex)
                    {
                        throw new EtlException($"Dataset '{ds.Name}': {ex.Message} {ex.Fix}", ex);
                    }
                }

                landed.Add(key);
            }
        }

        // The original is kept as fetched, one copy per version, beside nothing the pipeline reads.
        var archive = $"archive/{ds.Name}/{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}/{source.FileName}";
        var original = File.OpenRead(temp);
        await using (original.ConfigureAwait(false))
        {
            await UploadAsync(archive, original, cancellationToken).ConfigureAwait(false);
        }

        return landed;
    }

    private async Task UploadAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var write = await store.OpenWriteAsync(key, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        await using (write.ConfigureAwait(false))
        {
            await content.CopyToAsync(write, 1 << 16, cancellationToken).ConfigureAwait(false);
            await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CheckMatches(DatasetDefinition ds, string key)
    {
        if (!ds.MatchRegex.IsMatch(key))
        {
            throw new EtlException($"Dataset '{ds.Name}': the fetched file would land as {key}, which its match '{ds.Match}' does not take, so it would never be processed. Widen 'match', or set source.landing / source.file_name.");
        }
    }

    internal static string NormaliseName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is ' ' or '\t' or '#' or '?' or '%' or '*' or ':' or '"' or '<' or '>' or '|')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}

/// <summary>What a source fetch did.</summary>
public enum SourceFetchOutcome
{
    /// <summary>New content was landed.</summary>
    Fetched,

    /// <summary>The server said the file has not changed (304).</summary>
    NotModified,

    /// <summary>Downloaded, but the bytes are those of the last fetch: nothing landed.</summary>
    Unchanged,

    /// <summary>The schedule's interval since the last check has not passed.</summary>
    NotDue,

    /// <summary>The fetch failed; the note says why. Files landed before stay and are processed.</summary>
    Failed,
}

/// <summary>The result of fetching one dataset's source.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Landed">Keys landed by this fetch.</param>
/// <param name="Bytes">Bytes downloaded.</param>
/// <param name="Note">A short explanation, for display.</param>
public sealed record SourceFetchResult(string Dataset, SourceFetchOutcome Outcome, IReadOnlyList<string> Landed, long Bytes, string? Note);

/// <summary>What the last fetch of a source saw, in <c>_meta/sources/&lt;dataset&gt;.json</c>: the conditional-GET validators and the content hash.</summary>
internal sealed record SourceState(string Url, string? ETag, string? LastModified, string Sha256, long Bytes, DateTimeOffset FetchedAt, DateTimeOffset CheckedAt, IReadOnlyList<string> Landed)
{
    public static string KeyOf(string dataset) => $"_meta/sources/{dataset}.json";

    public static async Task<SourceState?> LoadAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, SourceJson.Default.SourceState, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    public Task SaveAsync(IObjectStore store, string key, CancellationToken cancellationToken) =>
        store.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(this, SourceJson.Default.SourceState), WriteCondition.None, cancellationToken);
}
