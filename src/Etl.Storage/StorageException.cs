namespace Etl.Storage;

/// <summary>A storage operation failed. The message names the store, the key and the operation, never a secret.</summary>
public class StorageException : EtlException
{
    /// <summary>Creates the exception.</summary>
    public StorageException(string message, string? key = null, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException, isTransient) => Key = key;

    /// <summary>The key involved, when there is one.</summary>
    public string? Key { get; }
}

/// <summary>The object does not exist.</summary>
public sealed class ObjectNotFoundException(string message, string key, Exception? innerException = null)
    : StorageException(message, key, innerException);

/// <summary>A conditional write lost: the object already exists (create-only) or its ETag changed (replace-if-match).</summary>
public sealed class PreconditionFailedException(string message, string key, Exception? innerException = null)
    : StorageException(message, key, innerException);

/// <summary>A lease was lost or expired while held.</summary>
public sealed class LeaseLostException(string message, string key, Exception? innerException = null)
    : StorageException(message, key, innerException);

/// <summary>A key that could escape the store root or is otherwise not allowed (<c>..</c>, absolute, backslash, NUL).</summary>
public sealed class InvalidObjectKeyException(string message, string key)
    : StorageException(message, key);
