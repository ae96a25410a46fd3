using System.Runtime.CompilerServices;

namespace Etl.Core.Enrichment.Reference;

/// <summary>
/// A hash map from UTF-8 byte keys to values, looked up by span (no string per lookup). Keys are stored back to back in
/// one array. Built once per reference table, then read concurrently by any number of files.
/// </summary>
internal sealed class Utf8KeyMap<TValue>
{
    private byte[] _keys = new byte[1024];
    private int _keysLength;
    private int[] _start = new int[16];
    private int[] _length = new int[16];
    private int[] _hash = new int[16];
    private int[] _next = new int[16];
    private TValue[] _values = new TValue[16];
    private int[] _buckets = new int[16];
    private int _count;

    public int Count => _count;

    /// <summary>Adds a key; false when it is already there (the existing value is kept).</summary>
    public bool TryAdd(ReadOnlySpan<byte> key, TValue value)
    {
        var h = Hash(key);
        if (Find(key, h) >= 0)
        {
            return false;
        }

        if (_count == _start.Length)
        {
            Grow();
        }

        if (_keysLength + key.Length > _keys.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keysLength + key.Length, _keys.Length * 2));
        }

        key.CopyTo(_keys.AsSpan(_keysLength));
        var i = _count++;
        _start[i] = _keysLength;
        _length[i] = key.Length;
        _keysLength += key.Length;
        _hash[i] = h;
        _values[i] = value;
        var b = h & (_buckets.Length - 1);
        _next[i] = _buckets[b] - 1;
        _buckets[b] = i + 1;
        return true;
    }

    /// <summary>Looks a key up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ReadOnlySpan<byte> key, out TValue value)
    {
        var i = Find(key, Hash(key));
        if (i < 0)
        {
            value = default!;
            return false;
        }

        value = _values[i];
        return true;
    }

    /// <summary>Visits every key and value (not for hot paths).</summary>
    public void ForEach(KeyVisitor visitor)
    {
        for (var i = 0; i < _count; i++)
        {
            visitor(_keys.AsSpan(_start[i], _length[i]), _values[i]);
        }
    }

    /// <summary>Receives one entry.</summary>
    public delegate void KeyVisitor(ReadOnlySpan<byte> key, TValue value);

    private int Find(ReadOnlySpan<byte> key, int h)
    {
        for (var i = _buckets[h & (_buckets.Length - 1)] - 1; i >= 0; i = _next[i])
        {
            if (_hash[i] == h && key.SequenceEqual(_keys.AsSpan(_start[i], _length[i])))
            {
                return i;
            }
        }

        return -1;
    }

    private static int Hash(ReadOnlySpan<byte> key)
    {
        // FNV-1a: fine for short codes and names, and stable (no per-process seed needed here).
        var h = 2166136261u;
        foreach (var b in key)
        {
            h = (h ^ b) * 16777619u;
        }

        return (int)(h ^ (h >> 15));
    }

    private void Grow()
    {
        var size = _start.Length * 2;
        Array.Resize(ref _start, size);
        Array.Resize(ref _length, size);
        Array.Resize(ref _hash, size);
        Array.Resize(ref _next, size);
        Array.Resize(ref _values, size);
        _buckets = new int[size];
        for (var i = 0; i < _count; i++)
        {
            var b = _hash[i] & (size - 1);
            _next[i] = _buckets[b] - 1;
            _buckets[b] = i + 1;
        }
    }
}
