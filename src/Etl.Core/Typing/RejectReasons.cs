namespace Etl.Core.Typing;

/// <summary>Reject reasons shared by the text path and the typed (Parquet) path, so both say the same.</summary>
internal static class RejectReasons
{
    public const string NotInt32 = "is not a 32-bit whole number";

    public const string NotInt64 = "is not a 64-bit whole number";

    public const string NotANumber = "is not a number";
}
