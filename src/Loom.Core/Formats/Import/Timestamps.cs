using System.Globalization;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Import;

/// <summary>Reads the timestamp shapes other looms write and turns them into the store's shape.</summary>
internal static class Timestamps
{
    private const string StoreFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>An ISO-8601 / RFC 3339 time (zone or Z; no zone = UTC), normalized; null if unreadable.</summary>
    public static string? FromIso(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (value.Length == 27 && value[^1] == 'Z' &&
            DateTime.TryParseExact(value, StoreFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _))
        {
            return value; // already in the store's shape: keep it byte for byte
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            return Ids.Timestamp(parsed);
        }
        return null;
    }

    /// <summary>Unix epoch milliseconds (Loomsidian, MiniLoom, damask).</summary>
    public static string? FromEpochMs(double? ms)
    {
        if (ms is not { } v || !double.IsFinite(v) || v < -62_135_596_800_000 || v > 253_402_300_799_000)
        {
            return null;
        }
        var ticks = (long)Math.Round(v * TimeSpan.TicksPerMillisecond);
        return Ids.Timestamp(DateTimeOffset.UnixEpoch.AddTicks(ticks));
    }

    /// <summary>socketteer's local-time <c>%Y-%m-%d-%H.%M.%S</c>.</summary>
    public static string? FromSocketteer(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateTime.TryParseExact(value, "yyyy-MM-dd-HH.mm.ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
        {
            return Ids.Timestamp(new DateTimeOffset(local));
        }
        return FromIso(value);
    }

    public static string ToSocketteer(string storeTimestamp) =>
        TryParse(storeTimestamp, out var t)
            ? t.ToLocalTime().ToString("yyyy-MM-dd-HH.mm.ss", CultureInfo.InvariantCulture)
            : storeTimestamp;

    public static bool TryParse(string value, out DateTimeOffset time)
    {
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out time))
        {
            return true;
        }
        time = default;
        return false;
    }

    /// <summary>One microsecond after <paramref name="storeTimestamp"/>.</summary>
    public static string Next(string storeTimestamp)
    {
        if (DateTime.TryParseExact(storeTimestamp, StoreFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
        {
            return t.AddTicks(10).ToString(StoreFormat, CultureInfo.InvariantCulture);
        }
        return TryParse(storeTimestamp, out var any) ? Ids.Timestamp(any.AddTicks(10)) : storeTimestamp;
    }
}
