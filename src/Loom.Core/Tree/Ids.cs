using System.Globalization;

namespace Loom.Core.Tree;

/// <summary>Ids and timestamps in exactly the shape basemode-loom writes them.</summary>
public static class Ids
{
    /// <summary>A uuid4 as 32 lowercase hex characters.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>True when <paramref name="id"/> looks like an id this store writes.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>UTC ISO-8601 with microseconds and a Z, e.g. 2026-11-24T13:38:33.123456Z.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
