namespace Etl.Core.Enrichment;

/// <summary>A transform whose rejects depend on a reference table (missing rate, missing lookup key).</summary>
public interface IReferenceDataTransform
{
    /// <summary>The <see cref="RowRejection.Code"/> of the rejects that depend on the table.</summary>
    string RejectCode { get; }

    /// <summary>Content hash of the table as loaded for this run.</summary>
    string ReferenceHash { get; }
}
