namespace Etl.Storage;

/// <summary>Precondition for a write: unconditional, create-only, or replace only if the current version matches.</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(WriteConditionKind kind, string? etag)
    {
        Kind = kind;
        ETag = etag;
    }

    /// <summary>What kind of precondition this is.</summary>
    public WriteConditionKind Kind { get; }

    /// <summary>For <see cref="WriteConditionKind.IfMatch"/>, the ETag the object must currently have.</summary>
    public string? ETag { get; }

    /// <summary>Write whatever is there.</summary>
    public static WriteCondition None => default;

    /// <summary>Write only if no object exists at the key (S3 <c>If-None-Match: *</c>, Blob <c>If-None-Match: *</c>, exclusive create locally).</summary>
    public static WriteCondition IfNotExists => new(WriteConditionKind.IfNotExists, null);

    /// <summary>Replace only if the object's current ETag equals <paramref name="etag"/>.</summary>
    public static WriteCondition IfMatch(string etag) => new(WriteConditionKind.IfMatch, etag);
}

/// <summary>The kinds of <see cref="WriteCondition"/>.</summary>
public enum WriteConditionKind
{
    /// <summary>Unconditional.</summary>
    None = 0,

    /// <summary>Create only.</summary>
    IfNotExists = 1,

    /// <summary>Replace if the ETag matches.</summary>
    IfMatch = 2,
}
