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
        if (IsStoreShape(value))
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

    /// <summary>
    /// True for <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c> with plausible fields, checked by hand: imports meet
    /// this shape 100,000 times, and a full date parse each time is measurable.
    /// </summary>
    internal static bool IsStoreShape(string v)
    {
        if (v.Length != 27 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != '.' || v[26] != 'Z')
        {
            return false;
        }
        foreach (var i in DigitPositions)
        {
            if (!char.IsAsciiDigit(v[i]))
            {
                return false;
            }
        }
        int Two(int at) => (v[at] - '0') * 10 + (v[at + 1] - '0');
        var month = Two(5);
        var day = Two(8);
        if (month is < 1 or > 12 || day < 1 || Two(11) > 23 || Two(14) > 59 || Two(17) > 59)
        {
            return false;
        }
        var year = Two(0) * 100 + Two(2);
        return year >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    private static readonly int[] DigitPositions = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25];

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
