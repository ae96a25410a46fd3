namespace Etl.Core.Enrichment.Code;

/// <summary>The code transforms compiled into the product, by name (filled from DI: every registered <see cref="ICodeTransform"/>).</summary>
public sealed class CodeTransformRegistry
{
    private readonly Dictionary<string, ICodeTransform> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the registry; two transforms with one name are a programming error.</summary>
    public CodeTransformRegistry(IEnumerable<ICodeTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        foreach (var t in transforms)
        {
            if (_byName.TryGetValue(t.Name, out var existing) && existing.GetType() != t.GetType())
            {
                throw new InvalidOperationException($"Code transforms {existing.GetType().Name} and {t.GetType().Name} are both named '{t.Name}'.");
            }

            _byName[t.Name] = t;
        }
    }

    /// <summary>The transforms compiled into the product (what <c>AddBuiltInCodeTransforms</c> registers).</summary>
    public static CodeTransformRegistry BuiltIn { get; } = new([new DozensToUnitsTransform()]);

    /// <summary>Registered names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The transform named <paramref name="name"/>, or null.</summary>
    public ICodeTransform? Find(string name) => _byName.GetValueOrDefault(name);
}
